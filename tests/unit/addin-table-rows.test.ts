import { describe, expect, it } from 'vitest';
import { exportRows, parseTable, problemCell } from '../../addin/features/purchasing/table-rows.ts';

describe('parseTable', () => {
  it('reads columns by their header names in any order and skips rows with nothing to enter', () => {
    const parsed = parseTable([
      ['Serial number', 'Notes', 'sku', 'Bay', 'Qty'],
      ['SN1', 'x', 'CAM', 'B1', ''],
      ['', 'only a note', 'CAM', '', ''],
      ['SN2', '', 'CAM', '', 1],
    ]);
    if ('error' in parsed) throw new Error(parsed.error);
    expect(parsed.rows).toEqual([
      { serial: 'SN1', sku: 'CAM', bay: 'B1' },
      { serial: 'SN2', sku: 'CAM', quantity: 1 },
    ]);
    expect(parsed.valueRows).toEqual([1, 3]);
    expect(parsed.columns).toMatchObject({ serial: 0, sku: 2, bay: 3, quantity: 4 });
  });

  it('asks for the header row when the key columns are missing', () => {
    expect(parseTable([['SN1', 'CAM']])).toEqual({ error: expect.stringContaining('SKU or Line column is missing') });
    expect(
      parseTable([
        ['SKU', 'Qty'],
        ['CAM', 1],
      ]),
    ).toEqual({ error: expect.stringContaining('Serial or Batch column is missing') });
  });

  it('turns Excel date cells into ISO dates and reports what is not a date or number', () => {
    const parsed = parseTable([
      ['Line', 'Batch', 'Expiry', 'Quantity'],
      [2, 'B-1', 46112, 10],
      [2, 'B-2', '2027-03-31', '5'],
      [2, 'B-3', 'next spring', 'many'],
    ]);
    if ('error' in parsed) throw new Error(parsed.error);
    expect(parsed.rows[0]).toEqual({ line: 2, batch: 'B-1', expiry: '2026-03-31', quantity: 10 });
    expect(parsed.rows[1]).toEqual({ line: 2, batch: 'B-2', expiry: '2027-03-31', quantity: 5 });
    expect(parsed.problems.map((p) => [p.index, p.field])).toEqual([
      [2, 'expiry'],
      [2, 'quantity'],
    ]);
  });

  it('reads what the cells show: a serial, SKU or batch Excel changed is a problem at its cell, left out of the row', () => {
    const parsed = parseTable(
      [
        ['SKU', 'Serial', 'Batch', 'Expiry'],
        ['CAM', 1234567890123450000, 'L1', 45015],
        [123, 'SN2', 46024, ''],
      ],
      [
        ['SKU', 'Serial', 'Batch', 'Expiry'],
        ['CAM', '1.23457E+18', 'L1', '3/31/2027'],
        ['123', 'SN2', '2-Jan', ''],
      ],
    );
    if ('error' in parsed) throw new Error(parsed.error);
    // 45015 is 2027-03-31 in a 1904 workbook, which the cell shows; the 1900 system would say 2023-03-30.
    expect(parsed.rows).toEqual([
      { sku: 'CAM', batch: 'L1', expiry: '2027-03-31' },
      { sku: '123', serial: 'SN2', expiry: null },
    ]);
    expect(parsed.problems).toEqual([
      { index: 0, field: 'serial', message: expect.stringContaining('Excel stored this as a number (it shows "1.23457E+18")') },
      { index: 1, field: 'batch', message: expect.stringContaining('Excel stored this as a date (it shows "2-Jan")') },
    ]);
  });

  it('places a problem on the cell of the field it is about', () => {
    const parsed = parseTable([
      ['SKU', 'Serial', 'Bay'],
      ['CAM', 'SN1', 'Z9'],
    ]);
    if ('error' in parsed) throw new Error(parsed.error);
    expect(problemCell(parsed, 4, 2, 0, 'bay')).toEqual({ row: 5, column: 4 });
    expect(problemCell(parsed, 4, 2, 0, undefined)).toEqual({ row: 5, column: 3 });
  });
});

describe('exportRows', () => {
  it('lists entered serials, then one empty row per unit still to come, so serials can be pasted', () => {
    const rows = exportRows({
      lines: [
        {
          lineNumber: 1,
          product: { sku: 'CAM', name: 'Camera', serialised: true, batchTracked: false },
          quantity: 4,
          receivedQuantity: 1,
          pendingSerials: ['SN9'],
          pendingSerialBays: ['B1'],
          pendingBatches: [],
        },
        {
          lineNumber: 2,
          product: { sku: 'TAPE', name: 'Tape', serialised: false, batchTracked: true },
          quantity: 10,
          receivedQuantity: 0,
          pendingBatches: [{ number: 'L7', expiry: '2027-01-31', quantity: 10, bayName: null }],
          pendingSerials: [],
          pendingSerialBays: [],
        },
      ],
    });
    expect(rows).toEqual([
      [1, 'CAM', 'Camera', 4, 1, 'SN9', 'B1', '', '', ''],
      [1, 'CAM', 'Camera', 4, 1, '', '', '', '', ''],
      [1, 'CAM', 'Camera', 4, 1, '', '', '', '', ''],
      [2, 'TAPE', 'Tape', 10, 0, '', '', 'L7', '2027-01-31', 10],
    ]);
  });
});
