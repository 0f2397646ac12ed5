import { describe, expect, it } from 'vitest';
import { COUNT_COLUMNS, countSheetRows, readCountSheet, worksheetName, type CountSheetLine } from '../../server/domain/count-sheet.ts';
import { statusColumn } from '../../addin/features/stocktake/sheets.ts';

const line = (over: Partial<CountSheetLine>): CountSheetLine => ({
  productId: 1,
  sku: 'P',
  name: 'Product',
  tracking: 'plain',
  bayId: 7,
  bayName: 'A1',
  batchNumber: null,
  expiry: null,
  expectedQuantity: 5,
  serial: null,
  ...over,
});
const header = [...COUNT_COLUMNS] as string[];
const C = (name: (typeof COUNT_COLUMNS)[number]) => COUNT_COLUMNS.indexOf(name);

describe('countSheetRows', () => {
  it('lists quantity lines, one row per expected serial, and empty rows for extra serials', () => {
    const rows = countSheetRows(
      [
        line({ productId: 1, sku: 'BOLT', expectedQuantity: 40 }),
        line({ productId: 2, sku: 'CAM', tracking: 'serial', serial: 'SN1', expectedQuantity: 1 }),
        line({ productId: 2, sku: 'CAM', tracking: 'serial', serial: 'SN2', expectedQuantity: 1 }),
        line({ productId: 3, sku: 'GLUE', tracking: 'batch', batchNumber: 'L7', expiry: '2027-01-31', expectedQuantity: 3 }),
      ],
      2,
    );
    expect(rows.map((r) => [r[C('SKU')], r[C('Serial')], r[C('Expected')], r[C('Batch')]])).toEqual([
      ['BOLT', '', 40, ''],
      ['CAM', 'SN1', 1, ''],
      ['CAM', 'SN2', 1, ''],
      ['CAM', '', '', ''],
      ['CAM', '', '', ''],
      ['GLUE', '', 3, 'L7'],
    ]);
    expect(rows.every((r) => r.length === COUNT_COLUMNS.length)).toBe(true);
  });

  it('leaves Expected empty in blind mode', () => {
    const rows = countSheetRows([line({ expectedQuantity: null })]);
    expect(rows[0]![C('Expected')]).toBe('');
  });
});

describe('readCountSheet', () => {
  const sheet = (rows: (string | number)[][]) => [
    header,
    ...rows.map((r) => {
      const row: (string | number)[] = Array(COUNT_COLUMNS.length).fill('');
      r.forEach((v, i) => (row[i] = v));
      return row;
    }),
  ];
  const filled = (values: Partial<Record<(typeof COUNT_COLUMNS)[number], string | number>>) => {
    const row: (string | number)[] = Array(COUNT_COLUMNS.length).fill('');
    for (const [k, v] of Object.entries(values)) row[C(k as (typeof COUNT_COLUMNS)[number])] = v!;
    return row;
  };

  it('turns counted rows into counts and gathers marked or typed serials per product and bay', () => {
    const values = sheet([
      filled({ SKU: 'BOLT', Expected: 40, Counted: 38, 'Product ID': 1, 'Bay ID': 7 }),
      filled({ SKU: 'CAM', Serial: 'SN1', Expected: 1, Found: 'x', 'Product ID': 2, 'Bay ID': 7 }),
      filled({ SKU: 'CAM', Serial: 'SN2', Expected: 1, Found: '', 'Product ID': 2, 'Bay ID': 7 }),
      filled({ SKU: 'CAM', Serial: 'SN9', 'Product ID': 2, 'Bay ID': 7 }),
      filled({ SKU: 'GLUE', Batch: 'L8', Expiry: 46112, Counted: 2, 'Product ID': 3, 'Bay ID': 7 }),
      filled({ SKU: 'TAPE', Expected: 3, 'Product ID': 4, 'Bay ID': 7 }),
    ]);
    const read = readCountSheet(values);
    expect(read.problems).toEqual([]);
    expect(read.rows).toEqual([
      { productId: 1, bayId: 7, countedQuantity: 38, batchNumber: null, expiry: null },
      { productId: 2, bayId: 7, serials: ['SN1', 'SN9'] },
      { productId: 3, bayId: 7, countedQuantity: 2, batchNumber: 'L8', expiry: '2026-03-31' },
    ]);
    expect(read.sources).toEqual([[0], [1, 3], [4]]);
  });

  it('leaves a serial product with nothing marked uncounted, and reports unreadable cells by row', () => {
    const read = readCountSheet(
      sheet([
        filled({ Serial: 'SN1', Expected: 1, 'Product ID': 2, 'Bay ID': 7 }),
        filled({ Counted: 'lots', 'Product ID': 1, 'Bay ID': 7 }),
        filled({ Found: 'x', 'Product ID': 2, 'Bay ID': 7 }),
      ]),
    );
    expect(read.rows).toEqual([]);
    expect(read.problems.map((p) => [p.row, p.column])).toEqual([
      [1, 'Counted'],
      [2, 'Serial'],
    ]);
  });

  it('reads serials, batches and expiry dates by what the cells show: what Excel changed is reported, not sent', () => {
    const values = sheet([
      filled({ SKU: 'CAM', Serial: 1234567890123450000, 'Product ID': 2, 'Bay ID': 7 }),
      filled({ SKU: 'CAM', Serial: 'SN2', 'Product ID': 2, 'Bay ID': 7 }),
      filled({ SKU: 'GLUE', Batch: 46024, Counted: 2, 'Product ID': 3, 'Bay ID': 7 }),
      filled({ SKU: 'GLUE', Batch: 'L8', Expiry: 45015, Counted: 1, 'Product ID': 3, 'Bay ID': 8 }),
    ]);
    const shown = values.map((row) => row.map(String));
    shown[1]![C('Serial')] = '1.23457E+18';
    shown[3]![C('Batch')] = '2-Jan';
    shown[4]![C('Expiry')] = '2027-03-31'; // a 1904 workbook: the 1900 system would make 45015 2023-03-30
    const read = readCountSheet(values, shown);
    expect(read.rows).toEqual([
      { productId: 2, bayId: 7, serials: ['SN2'] },
      { productId: 3, bayId: 8, countedQuantity: 1, batchNumber: 'L8', expiry: '2027-03-31' },
    ]);
    expect(read.problems).toEqual([
      { row: 0, column: 'Serial', message: expect.stringContaining('Excel stored this as a number (it shows "1.23457E+18")') },
      { row: 2, column: 'Batch', message: expect.stringContaining('Excel stored this as a date (it shows "2-Jan")') },
    ]);
  });

  it('refuses a sheet whose header is not the count layout', () => {
    expect(readCountSheet([['SKU', 'Qty']]).problems[0]!.message).toMatch(/header row lacks/);
  });
});

describe('count sheet helpers in the pane', () => {
  it('makes worksheet names Excel accepts and keeps them unique', () => {
    const taken = new Set<string>();
    expect(worksheetName('ST1 Bay: A/1', taken)).toBe('ST1 Bay- A-1');
    expect(worksheetName('ST1 Bay: A/1', taken)).toBe('ST1 Bay- A-1 (2)');
    expect(worksheetName('x'.repeat(40), taken)).toHaveLength(31);
  });

  it('writes OK or the problems beside every row a count came from', () => {
    const statuses = statusColumn(
      4,
      [[0], [1, 3]],
      [
        { index: 0, status: 'ok', problems: [] },
        { index: 1, status: 'error', problems: [{ message: 'Serial SN1 is also counted on row 3' }] },
      ],
      [{ row: 2, message: '"lots" is not a number' }],
    );
    expect(statuses).toEqual([
      ['OK'],
      ['Serial SN1 is also counted on row 3'],
      ['"lots" is not a number'],
      ['Serial SN1 is also counted on row 3'],
    ]);
  });
});
