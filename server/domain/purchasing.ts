import { DomainError } from './errors.ts';
import { roundQuantity } from './quantity.ts';
import { roundUnitCost } from './stock.ts';

export type OrderStatus = 'draft' | 'issued' | 'partially_received' | 'received' | 'cancelled';

const STATUS_WORDS: Record<OrderStatus, string> = {
  draft: 'a draft',
  issued: 'issued',
  partially_received: 'partially received',
  received: 'fully received',
  cancelled: 'cancelled',
};

/** Serials and batches can be entered while goods are still to come. */
export function assertTakesSerials(orderId: number, status: OrderStatus): void {
  if (status === 'received' || status === 'cancelled') {
    throw new DomainError(
      'ORDER_NOT_OPEN',
      `Purchase order #${orderId} is ${STATUS_WORDS[status]}; serials can only be entered on an open order.`,
    );
  }
}

export function assertEditable(orderId: number, status: OrderStatus): void {
  if (status === 'received' || status === 'cancelled') {
    throw new DomainError('ORDER_NOT_OPEN', `Purchase order #${orderId} is ${STATUS_WORDS[status]} and can no longer be changed.`);
  }
}

/** Only a draft is issued; an order that was issued, received or cancelled says which it is. */
export function assertIssuable(orderId: number, status: OrderStatus): void {
  if (status === 'draft') return;
  if (status === 'cancelled') {
    throw new DomainError('ORDER_NOT_OPEN', `Purchase order #${orderId} is cancelled and cannot be issued; create a new order instead.`);
  }
  throw new DomainError(
    'ORDER_NOT_OPEN',
    `Purchase order #${orderId} is not a draft; it was issued already (it is ${STATUS_WORDS[status]}).`,
  );
}

export function assertReceivable(orderId: number, status: OrderStatus): void {
  if (status === 'draft') {
    throw new DomainError('ORDER_NOT_OPEN', `Purchase order #${orderId} is a draft: issue it before receiving goods against it.`);
  }
  if (status === 'received' || status === 'cancelled') {
    throw new DomainError('ORDER_NOT_OPEN', `Purchase order #${orderId} is ${STATUS_WORDS[status]}; nothing more can be received on it.`);
  }
}

/**
 * The order's status follows from its receipts: it is never set by hand to something they
 * contradict. Draft and cancelled are the person's choice; the rest is counted.
 */
export function statusFromReceipts(current: OrderStatus, lines: { quantity: number; received: number }[]): OrderStatus {
  if (current === 'draft' || current === 'cancelled') return current;
  const received = lines.reduce((sum, line) => sum + line.received, 0);
  if (received === 0) return 'issued';
  return lines.every((line) => line.received >= line.quantity) ? 'received' : 'partially_received';
}

/** Stock is valued in base currency: the line's cost times the order's rate (base per order unit). */
export function baseUnitCost(unitCost: number, exchangeRate: number): number {
  return roundUnitCost(unitCost * exchangeRate);
}

export function remainingQuantity(line: { quantity: number; received: number }): number {
  return roundQuantity(line.quantity - line.received);
}
