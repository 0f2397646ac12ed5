import { describe, expect, it } from 'vitest';
import {
  enteredQuantity,
  judgeEntries,
  tableRowEntries,
  type Entry,
  type EntryFacts,
  type LineInfo,
  type SerialConflicts,
} from '../../server/domain/purchase-entries.ts';

// An order of three lines: serialised (10 to come), batch tracked (5 to come), plain.
const SERIALISED: LineInfo = {
  id: 1,
  lineNumber: 1,
  productId: 11,
  sku: 'CAM',
  serialised: true,
  batchTracked: false,
  quantity: 12,
  received: 2,
};
const BATCHED: LineInfo = {
  id: 2,
  lineNumber: 2,
  productId: 12,
  sku: 'GLUE',
  serialised: false,
  batchTracked: true,
  quantity: 5,
  received: 0,
};
const PLAIN: LineInfo = {
  id: 3,
  lineNumber: 3,
  productId: 13,
  sku: 'BOX',
  serialised: false,
  batchTracked: false,
  quantity: 9,
  received: 0,
};

const serial = (index: number, value: string, lineId = SERIALISED.id): Entry => ({ index, lineId, serial: value, bayId: null });
const batch = (index: number, number: string, quantity: number, expiry: string | null = null, lineId = BATCHED.id): Entry => ({
  index,
  lineId,
  batch: number,
  expiry,
  quantity,
  bayId: null,
});
const conflicts = (existing: string[], onOrders: [string, number, number][] = []): SerialConflicts => ({
  existing: new Set(existing),
  onOrders: new Map(onOrders.map(([s, orderId, lineNumber]) => [s, { orderId, lineNumber }])),
});

function judge(entries: Entry[], facts: Partial<EntryFacts> = {}) {
  return judgeEntries({ lines: [SERIALISED, BATCHED, PLAIN], entries, serialConflicts: new Map(), knownBatches: [], ...facts });
}
const reasons = (entries: Entry[], facts?: Partial<EntryFacts>) => judge(entries, facts).map((p) => [p.index, p.reason]);

describe('judgeEntries', () => {
  it('accepts new serials and batches on their lines, up to what the lines still expect', () => {
    const entries = [serial(0, 'SN1'), serial(1, ' SN2 '), batch(2, 'B1', 2.5, '2027-03-31'), batch(3, 'B1', 2.5, '2027-03-31')];
    const known = [{ productId: BATCHED.productId, number: 'B1', expiry: '2027-03-31' }];
    expect(judge(entries, { knownBatches: known, serialConflicts: new Map([[SERIALISED.productId, conflicts([])]]) })).toEqual([]);
  });

  it('takes serials only on serialised lines and batches only on batch-tracked ones', () => {
    const problems = judge([serial(0, 'SN1', PLAIN.id), batch(1, 'B1', 1, null, SERIALISED.id)]);
    expect(problems).toEqual([
      {
        index: 0,
        token: 'SN1',
        reason: 'PRODUCT_NOT_SERIALISED',
        message: 'Line 3 (BOX) is not serialised; it takes no serials',
        field: 'serial',
      },
      {
        index: 1,
        token: 'B1',
        reason: 'PRODUCT_NOT_BATCH_TRACKED',
        message: 'Line 1 (CAM) is not batch tracked; it takes no batches',
        field: 'batch',
      },
    ]);
  });

  it('refuses empty and repeated serials, pointing a repeat at the entry it repeats', () => {
    const problems = judge([serial(4, 'SN1'), serial(5, ''), serial(6, 'SN1')]);
    expect(problems.map((p) => [p.index, p.reason, p.field])).toEqual([
      [5, 'EMPTY_SERIAL', 'serial'],
      [6, 'DUPLICATE_SERIAL', 'serial'],
    ]);
    expect(problems[1]!.firstIndex).toBe(4);
  });

  it('refuses serials the product already has, and serials waiting on another order line', () => {
    const facts = { serialConflicts: new Map([[SERIALISED.productId, conflicts(['SN1'], [['SN2', 40, 3]])]]) };
    expect(judge([serial(0, ' SN1'), serial(1, 'SN2'), serial(2, 'SN3')], facts)).toEqual([
      { index: 0, token: 'SN1', reason: 'SERIAL_EXISTS', message: 'Serial SN1 already exists for CAM', field: 'serial' },
      {
        index: 1,
        token: 'SN2',
        reason: 'SERIAL_ON_OTHER_ORDER',
        message: 'Serial SN2 is already entered on purchase order #40 line 3',
        field: 'serial',
      },
    ]);
  });

  it('reports a repeated serial once, as a repeat, even when it also exists', () => {
    const facts = { serialConflicts: new Map([[SERIALISED.productId, conflicts(['SN1'])]]) };
    expect(reasons([serial(0, 'SN1'), serial(1, 'SN1')], facts)).toEqual([
      [0, 'SERIAL_EXISTS'],
      [1, 'DUPLICATE_SERIAL'],
    ]);
  });

  it('reads conflicts per product: another product’s serials are no conflict', () => {
    const facts = { serialConflicts: new Map([[99, conflicts(['SN1'])]]) };
    expect(judge([serial(0, 'SN1')], facts)).toEqual([]);
  });

  it('refuses a batch without a number or without a quantity above zero', () => {
    expect(judge([batch(0, ' ', 1), batch(1, 'B2', 0)])).toEqual([
      { index: 0, token: ' ', reason: 'BATCH_REQUIRED', message: 'Give the batch number', field: 'batch' },
      { index: 1, token: 'B2', reason: 'BATCH_QUANTITY_MISMATCH', message: 'Batch B2 needs a quantity above zero', field: 'quantity' },
    ]);
  });

  it('refuses a batch listed with two expiry dates, at the row that disagrees', () => {
    expect(judge([batch(0, 'B1', 1, '2027-01-01'), batch(1, 'B1', 1, '2028-01-01')])).toEqual([
      { index: 1, token: 'B1', reason: 'BATCH_EXPIRY_MISMATCH', message: 'Batch B1 is listed with two expiry dates', field: 'expiry' },
    ]);
  });

  it('refuses an expiry that differs from the one the batch already has', () => {
    const knownBatches = [
      { productId: BATCHED.productId, number: 'B1', expiry: null },
      { productId: BATCHED.productId, number: 'B2', expiry: '2027-01-01' },
    ];
    expect(judge([batch(0, 'B1', 1, '2027-01-01'), batch(1, 'B2', 1, null)], { knownBatches })).toEqual([
      { index: 0, token: 'B1', reason: 'BATCH_EXPIRY_MISMATCH', message: 'Batch B1 already exists with expiry none', field: 'expiry' },
      {
        index: 1,
        token: 'B2',
        reason: 'BATCH_EXPIRY_MISMATCH',
        message: 'Batch B2 already exists with expiry 2027-01-01',
        field: 'expiry',
      },
    ]);
  });

  it('refuses more than a line still expects, as a problem of the line, listed after the entries’', () => {
    const entries = [batch(0, 'B1', 3.3), batch(1, 'B2', 2.0001), batch(2, '', 1, null, PLAIN.id)];
    const problems = judge(entries);
    expect(problems.map((p) => [p.index, p.reason])).toEqual([
      [2, 'PRODUCT_NOT_BATCH_TRACKED'],
      [null, 'SERIAL_COUNT_MISMATCH'],
    ]);
    expect(problems[1]).toEqual({
      index: null,
      token: null,
      reason: 'SERIAL_COUNT_MISMATCH',
      message: 'Line 2 (GLUE) expects 5 more, but 5.3001 are entered: remove 0.3001',
    });
  });

  it('lists every problem in entry order, whichever rule found it', () => {
    const facts = { serialConflicts: new Map([[SERIALISED.productId, conflicts(['SN9'])]]) };
    expect(reasons([batch(0, '', 1), serial(1, 'SN9'), serial(2, 'SN1', PLAIN.id)], facts)).toEqual([
      [0, 'BATCH_REQUIRED'],
      [1, 'SERIAL_EXISTS'],
      [2, 'PRODUCT_NOT_SERIALISED'],
    ]);
  });
});

describe('enteredQuantity', () => {
  it('counts a serial as one unit and a batch as its quantity, per line, without binary noise', () => {
    const entries = [serial(0, 'A'), serial(1, 'B'), batch(2, 'B1', 0.1), batch(3, 'B2', 0.2)];
    expect(enteredQuantity(entries, SERIALISED.id)).toBe(2);
    expect(enteredQuantity(entries, BATCHED.id)).toBe(0.3);
    expect(enteredQuantity(entries, PLAIN.id)).toBe(0);
  });
});

describe('tableRowEntries', () => {
  const order = { id: 7, lines: [SERIALISED, BATCHED, PLAIN, { ...SERIALISED, id: 4, lineNumber: 4 }] };
  const bays = [{ id: 50, name: 'Shelf A' }];
  const read = (...rows: Parameters<typeof tableRowEntries>[2]) => tableRowEntries(order, bays, rows);
  const refusal = (row: Parameters<typeof tableRowEntries>[2][number]) => {
    const { entries, problems } = read(row);
    expect(entries).toEqual([]);
    return problems.map(({ index, reason, field, message }) => ({ index, reason, field, message }));
  };

  it('reads serials and batches onto the lines they name, by number or SKU, bays by name', () => {
    const { entries, problems } = read(
      { line: 1, serial: ' SN1 ', bay: 'shelf a ' },
      { sku: 'glue', batch: 'B1', expiry: '2027-03-31', quantity: 2 },
      { line: 2, sku: 'GLUE', batch: '', quantity: 1 },
    );
    expect(problems).toEqual([]);
    expect(entries).toEqual([
      { index: 0, lineId: 1, serial: 'SN1', bayId: 50 },
      { index: 1, lineId: 2, batch: 'B1', expiry: '2027-03-31', quantity: 2, bayId: null },
      // A batch line's row without a number goes on, for judgeEntries to ask for the number.
      { index: 2, lineId: 2, batch: '', expiry: null, quantity: 1, bayId: null },
    ]);
  });

  it('needs the SKU or the line number', () => {
    expect(refusal({ serial: 'SN1' })).toEqual([
      { index: 0, reason: 'INVALID_ROWS', field: 'sku', message: 'Give the SKU or the line number' },
    ]);
  });

  it('refuses a line or SKU the order does not have, and a SKU on two lines', () => {
    expect(refusal({ line: 9, serial: 'SN1' })).toEqual([
      { index: 0, reason: 'LINE_NOT_ON_ORDER', field: 'line', message: 'Purchase order #7 has no line 9' },
    ]);
    expect(refusal({ sku: 'NUT', serial: 'SN1' })).toEqual([
      { index: 0, reason: 'LINE_NOT_ON_ORDER', field: 'sku', message: 'No line of purchase order #7 is for SKU NUT' },
    ]);
    expect(refusal({ sku: 'CAM', serial: 'SN1' })).toEqual([
      { index: 0, reason: 'LINE_NOT_ON_ORDER', field: 'sku', message: 'SKU CAM is on lines 1 and 4: give the line number' },
    ]);
  });

  it('refuses a line number and SKU that disagree', () => {
    expect(refusal({ line: 2, sku: 'CAM', serial: 'SN1' })).toEqual([
      {
        index: 0,
        reason: 'LINE_NOT_ON_ORDER',
        field: 'sku',
        message: 'Line 2 is for GLUE, not CAM: check the line number and the SKU',
      },
    ]);
  });

  it('refuses a bay that is not in the order’s location', () => {
    expect(refusal({ line: 1, serial: 'SN1', bay: 'Shelf Z' })).toEqual([
      { index: 0, reason: 'BAY_NOT_IN_LOCATION', field: 'bay', message: "Bay Shelf Z is not in the order's location" },
    ]);
  });

  it('refuses a row with both a serial and a batch, and a serial of more than one unit', () => {
    expect(refusal({ line: 1, serial: 'SN1', batch: 'B1' })).toEqual([
      { index: 0, reason: 'INVALID_ROWS', field: 'batch', message: 'A row holds a serial or a batch, not both' },
    ]);
    expect(refusal({ line: 1, serial: 'SN1', quantity: 2 })).toEqual([
      { index: 0, reason: 'INVALID_ROWS', field: 'quantity', message: 'A serial is one unit: leave the quantity empty or 1' },
    ]);
  });

  it('needs a batch’s quantity', () => {
    expect(refusal({ line: 2, batch: 'B1' })).toEqual([
      { index: 0, reason: 'BATCH_QUANTITY_MISMATCH', field: 'quantity', message: 'Give the quantity of batch B1' },
    ]);
  });

  it('refuses a row with neither a serial nor a batch, saying what its line takes', () => {
    expect(refusal({ line: 1 })).toEqual([{ index: 0, reason: 'EMPTY_SERIAL', field: 'serial', message: 'The serial is empty' }]);
    expect(refusal({ line: 3 })).toEqual([
      { index: 0, reason: 'EMPTY_SERIAL', field: 'serial', message: 'Line 3 (BOX) takes no serials or batches' },
    ]);
  });
});
