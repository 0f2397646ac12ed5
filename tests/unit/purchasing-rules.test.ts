import { describe, expect, it } from 'vitest';
import { DomainError } from '../../server/domain/errors.ts';
import { refusedBy as refused } from '../helpers/rules.ts';
import {
  assertEditable,
  assertIssuable,
  assertReceivable,
  assertTakesSerials,
  baseUnitCost,
  remainingQuantity,
  statusFromReceipts,
  type OrderStatus,
} from '../../server/domain/purchasing.ts';

const ALL: OrderStatus[] = ['draft', 'issued', 'partially_received', 'received', 'cancelled'];

describe('statusFromReceipts', () => {
  const lines = (...pairs: [number, number][]) => pairs.map(([quantity, received]) => ({ quantity, received }));

  it('keeps draft and cancelled: those are the person’s choice, whatever was received', () => {
    expect(statusFromReceipts('draft', lines([5, 0]))).toBe('draft');
    expect(statusFromReceipts('cancelled', lines([5, 0]))).toBe('cancelled');
    expect(statusFromReceipts('cancelled', lines([5, 3]))).toBe('cancelled');
    expect(statusFromReceipts('cancelled', lines([5, 5]))).toBe('cancelled');
  });

  it('is issued while nothing was received', () => {
    expect(statusFromReceipts('issued', lines([5, 0], [2, 0]))).toBe('issued');
  });

  it('is partially received once anything is in but some line is still short', () => {
    expect(statusFromReceipts('issued', lines([5, 1], [2, 0]))).toBe('partially_received');
    expect(statusFromReceipts('issued', lines([5, 5], [2, 0]))).toBe('partially_received');
    expect(statusFromReceipts('issued', lines([5, 4.9999]))).toBe('partially_received');
  });

  it('is received when every line is received in full', () => {
    expect(statusFromReceipts('issued', lines([5, 5], [2, 2]))).toBe('received');
    expect(statusFromReceipts('partially_received', lines([0.5, 0.5]))).toBe('received');
  });

  it('follows the receipts, not the stored status: a counted status is recounted', () => {
    // A line's quantity raised after it was received in full: the order is short again.
    expect(statusFromReceipts('received', lines([5, 5], [3, 0]))).toBe('partially_received');
    // A line's quantity lowered to what was received: the order is complete.
    expect(statusFromReceipts('partially_received', lines([3, 3]))).toBe('received');
    expect(statusFromReceipts('partially_received', lines([3, 0]))).toBe('issued');
  });
});

describe('baseUnitCost', () => {
  it('is the line cost times the order rate (base units per one order-currency unit)', () => {
    // A USD order at 1.5 into an AUD business: a 10 USD line is valued at 15 AUD.
    expect(baseUnitCost(10, 1.5)).toBe(15);
    expect(baseUnitCost(12.34, 1)).toBe(12.34);
    expect(baseUnitCost(0, 1.5)).toBe(0);
  });

  it('rounds to the six decimals stock is valued in, without binary noise', () => {
    expect(baseUnitCost(0.1, 3)).toBe(0.3);
    expect(baseUnitCost(1, 1 / 3)).toBe(0.333333);
    expect(baseUnitCost(2, 0.66666667)).toBe(1.333333);
    expect(baseUnitCost(19.99, 1.23456789)).toBe(24.679012);
  });
});

describe('remainingQuantity', () => {
  it('is ordered minus received', () => {
    expect(remainingQuantity({ quantity: 10, received: 0 })).toBe(10);
    expect(remainingQuantity({ quantity: 10, received: 4 })).toBe(6);
    expect(remainingQuantity({ quantity: 10, received: 10 })).toBe(0);
  });

  it('keeps the four stored decimals exact', () => {
    expect(remainingQuantity({ quantity: 0.3, received: 0.1 })).toBe(0.2);
    expect(remainingQuantity({ quantity: 1.0003, received: 0.0001 })).toBe(1.0002);
  });
});

describe('order status guards', () => {
  it('serials can be entered on a draft, issued or partially received order, not a received or cancelled one', () => {
    for (const status of ['draft', 'issued', 'partially_received'] as const) expect(() => assertTakesSerials(7, status)).not.toThrow();
    const received = refused(() => assertTakesSerials(7, 'received'));
    expect(received.reason).toBe('ORDER_NOT_OPEN');
    expect(received.message).toContain('#7');
    expect(received.message).toContain('fully received');
    expect(refused(() => assertTakesSerials(7, 'cancelled')).message).toContain('cancelled');
  });

  it('an order can be changed until it is received or cancelled', () => {
    for (const status of ['draft', 'issued', 'partially_received'] as const) expect(() => assertEditable(3, status)).not.toThrow();
    for (const status of ['received', 'cancelled'] as const) {
      const error = refused(() => assertEditable(3, status));
      expect(error.reason).toBe('ORDER_NOT_OPEN');
      expect(error.message).toContain('#3');
    }
  });

  it('goods are received only on an issued or partially received order', () => {
    for (const status of ['issued', 'partially_received'] as const) expect(() => assertReceivable(9, status)).not.toThrow();
    const draft = refused(() => assertReceivable(9, 'draft'));
    expect(draft.reason).toBe('ORDER_NOT_OPEN');
    expect(draft.message).toMatch(/draft.*issue it/);
    for (const status of ['received', 'cancelled'] as const) {
      const error = refused(() => assertReceivable(9, status));
      expect(error.reason).toBe('ORDER_NOT_OPEN');
      expect(error.message).toContain('#9');
    }
  });

  it('only a draft is issued; a cancelled order says it is cancelled, not that it was issued', () => {
    expect(() => assertIssuable(4, 'draft')).not.toThrow();
    for (const status of ['issued', 'partially_received', 'received'] as const) {
      const error = refused(() => assertIssuable(4, status));
      expect(error.reason).toBe('ORDER_NOT_OPEN');
      expect(error.message).toMatch(/#4 is not a draft; it was issued already/);
    }
    const cancelled = refused(() => assertIssuable(4, 'cancelled'));
    expect(cancelled.reason).toBe('ORDER_NOT_OPEN');
    expect(cancelled.message).toContain('cancelled');
    expect(cancelled.message).not.toMatch(/issued already/);
  });

  it('every status is handled by every guard (none throws anything but ORDER_NOT_OPEN)', () => {
    for (const guard of [assertTakesSerials, assertEditable, assertReceivable, assertIssuable]) {
      for (const status of ALL) {
        try {
          guard(1, status);
        } catch (error) {
          expect((error as DomainError).reason).toBe('ORDER_NOT_OPEN');
        }
      }
    }
  });
});
