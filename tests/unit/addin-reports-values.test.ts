// A report's values as Excel cells (typed, dated in the workbook's date system, formatted), the
// refresh plan (rows kept, added, deleted: never the table made again), the header check, the
// totals row, and what a report sheet stores about itself (version, parameters) and shows above its table.
import { describe, expect, it } from 'vitest';
import { headerProblem, planTableRows, structuredColumn, tableCells, totalsFormats, totalsRow } from '../../addin/excel/table-plan.ts';
import {
  captionLines,
  fitCaption,
  MAX_META_LENGTH,
  parseMeta,
  reportVersion,
  serializeMeta,
  uniqueSheetName,
  uniqueTableName,
  versionProblem,
  type ReportSheetMeta,
} from '../../addin/features/reports/report-sheet.ts';
import {
  cellValue,
  dayNumber,
  instantNumber,
  numberFormatOf,
  previewText,
  tableColumns,
  tableRows,
  wallClock,
} from '../../addin/features/reports/report-values.ts';

const COLUMNS = [
  { key: 'sku', label: 'SKU', type: 'text' },
  { key: 'expiry', label: 'Expiry', type: 'date' },
  { key: 'at', label: 'At', type: 'datetime' },
  { key: 'quantity', label: 'On hand', type: 'quantity' },
  { key: 'value', label: 'Value', type: 'money' },
  { key: 'documentId', label: 'Document', type: 'integer' },
  { key: 'returned', label: 'Returned', type: 'boolean' },
];

describe('values as cells', () => {
  it("gives a day its Excel day number in the workbook's date system", () => {
    expect(dayNumber('2000-01-01', '1900')).toBe(36_526);
    expect(dayNumber('2026-07-01', '1900')).toBe(46_204);
    expect(dayNumber('2026-07-01', '1904')).toBe(46_204 - 1_462);
    expect(dayNumber('1900-03-01', '1900')).toBe(61);
    // Before 1 March 1900 the 1900 system is off by Lotus's 29 February 1900; before 1904 the 1904 system has no days.
    expect(dayNumber('1900-02-28', '1900')).toBeNull();
    expect(dayNumber('1903-12-31', '1904')).toBeNull();
    expect(dayNumber('not a day', '1900')).toBeNull();
  });

  it('gives an instant its day number and time on the wall clock of the time zone', () => {
    expect(instantNumber('2026-07-01T06:00:00.000Z', 'UTC', '1900')).toBe(46_204.25);
    // 06:00 UTC is 16:00 in Sydney (AEST, +10) on the same day.
    expect(instantNumber('2026-07-01T06:00:00.000Z', 'Australia/Sydney', '1900')).toBeCloseTo(46_204 + 16 / 24, 10);
    // 23:30 UTC on 30 June is already 1 July in Sydney.
    expect(wallClock('2026-06-30T23:30:00Z', 'Australia/Sydney')).toBe('2026-07-01 09:30:00');
    expect(instantNumber('garbage', 'UTC', '1900')).toBeNull();
  });

  it('types each value by its column: text as text, numbers as numbers, days and instants as day numbers, null empty', () => {
    const context = { dateSystem: '1900' as const, timeZone: 'UTC' };
    const rows = tableRows(
      COLUMNS,
      [
        {
          sku: '00123',
          expiry: '2026-07-01',
          at: '2026-07-01T12:00:00.000Z',
          quantity: 2.5,
          value: 10.25,
          documentId: 42,
          returned: false,
        },
        { sku: '=1+1', expiry: null, at: null, quantity: null, value: null, documentId: null, returned: null },
      ],
      context,
    );
    expect(rows).toEqual([
      ['00123', 46_204, 46_204.5, 2.5, 10.25, 42, false],
      ['=1+1', '', '', '', '', '', ''],
    ]);
    // A day Excel has no number for stays its ISO text rather than a wrong date.
    expect(cellValue('date', '1899-01-01', context)).toBe('1899-01-01');
    expect(cellValue('text', 12 as never, context)).toBe('12');
  });

  it('formats each column: Text for text, yyyy-mm-dd, two decimals for money, no decimals for whole quantities', () => {
    expect(COLUMNS.map((c) => numberFormatOf(c))).toEqual(['@', 'yyyy-mm-dd', 'yyyy-mm-dd hh:mm', '#,##0', '#,##0.00', '0', 'General']);
    expect(numberFormatOf(COLUMNS[3]!, [1, 2, 3])).toBe('#,##0');
    expect(numberFormatOf(COLUMNS[3]!, [1, 2.125, null])).toBe('#,##0.0###');
    expect(numberFormatOf({ key: 'x', label: 'X', type: 'somethingNew' })).toBe('General');
  });

  it("puts a total under the columns the report totals, and the quantities' format from their values", () => {
    const specs = tableColumns(COLUMNS, [{ quantity: 1.5 }], { quantity: 3, value: 20, documentId: null });
    expect(specs.map((s) => [s.name, s.numberFormat, s.total ?? null])).toEqual([
      ['SKU', '@', null],
      ['Expiry', 'yyyy-mm-dd', null],
      ['At', 'yyyy-mm-dd hh:mm', null],
      ['On hand', '#,##0.0###', 'sum'],
      ['Value', '#,##0.00', 'sum'],
      ['Document', '0', null],
      ['Returned', 'General', null],
    ]);
    expect(tableColumns(COLUMNS, [], null).some((s) => s.total)).toBe(false);
  });

  it('shows values in the preview as a person reads them', () => {
    expect(previewText('money', 1234.5, 'UTC')).toBe('1,234.50');
    expect(previewText('quantity', 2.12345, 'UTC')).toBe('2.1235');
    expect(previewText('datetime', '2026-07-01T06:05:00.000Z', 'UTC')).toBe('2026-07-01 06:05');
    expect(previewText('boolean', true, 'UTC')).toBe('Yes');
    expect(previewText('text', null, 'UTC')).toBe('');
    expect(previewText('date', '2026-07-01', 'UTC')).toBe('2026-07-01');
  });
});

describe('the refresh plan', () => {
  it('keeps the rows there, adds the missing at the end, deletes the surplus at the end; an empty result keeps one blank row', () => {
    expect(planTableRows(2, 2)).toEqual({ keep: 2, add: 0, remove: 0, rows: 2, blank: false });
    expect(planTableRows(2, 5)).toEqual({ keep: 2, add: 3, remove: 0, rows: 5, blank: false });
    expect(planTableRows(5, 2)).toEqual({ keep: 2, add: 0, remove: 3, rows: 2, blank: false });
    expect(planTableRows(5, 0)).toEqual({ keep: 1, add: 0, remove: 4, rows: 1, blank: true });
    expect(planTableRows(1, 0)).toEqual({ keep: 1, add: 0, remove: 0, rows: 1, blank: true });
    expect(planTableRows(1, 100_000)).toEqual({ keep: 1, add: 99_999, remove: 0, rows: 100_000, blank: false });
    expect(() => planTableRows(0, 3)).toThrow(/at least one data row/);
    expect(() => planTableRows(2, -1)).toThrow(RangeError);
  });

  it('refuses a header that is not the columns name for name, saying what changed', () => {
    const columns = [
      { name: 'SKU', numberFormat: '@' },
      { name: 'On hand', numberFormat: '#,##0' },
    ];
    expect(headerProblem('T', ['SKU', 'On hand'], columns)).toBeNull();
    expect(headerProblem('T', ['SKU', 'Qty'], columns)).toMatch(/it has no column "On hand"; it has column "Qty" that the report does not/);
    expect(headerProblem('T', ['SKU', 'On hand', 'Margin'], columns)).toMatch(/it has column "Margin" that the report does not/);
    expect(headerProblem('T', ['On hand', 'SKU'], columns)).toMatch(/another order/);
  });

  it('writes strings as they are in Text columns and as data elsewhere; pads short rows', () => {
    const columns = [
      { name: 'Serial', numberFormat: '@' },
      { name: 'Note', numberFormat: 'General' },
      { name: 'Qty', numberFormat: '0' },
    ];
    expect(
      tableCells(columns, [
        ['=1+1', '=1+1', 3],
        ['00123', '00123'],
      ]),
    ).toEqual([
      ['=1+1', "'=1+1", 3],
      ['00123', "'00123", ''],
    ]);
  });

  it('totals with SUBTOTAL(109) over each totalled column, escaping the column name, Total in the first cell', () => {
    const columns = [
      { name: 'SKU', numberFormat: '@' },
      { name: 'Qty [kg]', numberFormat: '#,##0', total: 'sum' as const },
      { name: "Value #'s", numberFormat: '#,##0.00', total: 'sum' as const },
    ];
    expect(totalsRow(columns)).toEqual(['Total', "=SUBTOTAL(109,[Qty '[kg']])", "=SUBTOTAL(109,[Value '#''s])"]);
    expect(totalsFormats(columns)).toEqual(['General', '#,##0', '#,##0.00']);
    expect(structuredColumn('On hand')).toBe('On hand');
  });
});

const meta = (over: Partial<ReportSheetMeta> = {}): ReportSheetMeta => ({
  format: 1,
  report: 'stockOnHand',
  version: reportVersion([{ key: 'sku' }, { key: 'quantity' }, { key: 'value' }]),
  title: 'Stock on hand',
  columns: [
    { key: 'sku', label: 'SKU' },
    { key: 'quantity', label: 'On hand' },
    { key: 'value', label: 'Value' },
  ],
  params: { locationId: 3 },
  shown: { locationId: 'Main store' },
  table: 'STK_stockOnHand',
  tableId: '{1}',
  rowCount: 2,
  refreshedAt: '2026-07-01T00:00:00.000Z',
  refreshedBy: 'admin',
  serverUrl: 'https://stocksheet.example',
  complete: true,
  ...over,
});

describe('what a report sheet stores', () => {
  it('versions a report by its column keys, in order', () => {
    const a = reportVersion([{ key: 'sku' }, { key: 'quantity' }]);
    expect(a).toMatch(/^[0-9a-f]{8}$/);
    expect(reportVersion([{ key: 'sku' }, { key: 'quantity' }])).toBe(a);
    expect(reportVersion([{ key: 'quantity' }, { key: 'sku' }])).not.toBe(a);
    expect(reportVersion([{ key: 'sku' }])).not.toBe(a);
  });

  it('reads back what it wrote, and nothing else', () => {
    const stored = meta();
    expect(parseMeta(serializeMeta(stored))).toEqual(stored);
    expect(parseMeta(null)).toBeNull();
    expect(parseMeta('not json')).toBeNull();
    expect(parseMeta(JSON.stringify({ ...stored, format: 2 }))).toBeNull();
    expect(parseMeta(JSON.stringify({ ...stored, rowCount: '2' }))).toBeNull();
    expect(parseMeta(JSON.stringify({ ...stored, columns: [{ key: 'sku' }] }))).toBeNull();
  });

  it('keeps no parameters too long to store (thousands of serials): such a sheet is not refreshable', () => {
    const long = meta({ params: { serials: Array.from({ length: 5_000 }, (_, i) => `SERIAL-${i}-xxxxxxxx`) } });
    const text = serializeMeta(long);
    expect(text.length).toBeLessThanOrEqual(MAX_META_LENGTH);
    expect(parseMeta(text)!.params).toBeNull();
  });

  it('refuses a refresh with other columns: those the role does not see, or a changed report', () => {
    const current = [
      { key: 'sku', label: 'SKU', type: 'text' },
      { key: 'quantity', label: 'On hand', type: 'quantity' },
      { key: 'value', label: 'Value', type: 'money' },
    ];
    expect(versionProblem(meta(), current, 'admin')).toBeNull();
    expect(versionProblem(meta(), current.slice(0, 2), 'warehouse')).toMatch(
      /inserted with a column your role \(warehouse\) does not see \("Value"\).*Someone who sees it can refresh it/,
    );
    expect(versionProblem(meta(), [...current, { key: 'margin', label: 'Margin', type: 'money' }], 'admin')).toMatch(
      /columns of "Stock on hand" have changed since this sheet was inserted \(new: "Margin"\).*insert the report again on a new sheet/,
    );
    expect(versionProblem(meta(), [current[1]!, current[0]!, current[2]!], 'admin')).toMatch(/a new order/);
  });

  it('names new sheets and tables so they differ from those there, within Excel’s rules', () => {
    expect(uniqueSheetName('Stock on hand', ['Sheet1'])).toBe('Stock on hand');
    expect(uniqueSheetName('Stock on hand', ['STOCK ON HAND', 'Stock on hand (2)'])).toBe('Stock on hand (3)');
    expect(uniqueSheetName('Stock: [a/b]?', [])).toBe('Stock a b');
    const long = 'Stock-to-ledger reconciliation by account';
    expect(uniqueSheetName(long, [])).toBe('Stock-to-ledger reconciliation'); // cut to 31, the space at the end dropped
    expect(uniqueSheetName(long, [uniqueSheetName(long, [])])).toMatch(/^.{1,27} \(2\)$/);
    expect(uniqueTableName('stockOnHand', ['Table1'])).toBe('STK_stockOnHand');
    expect(uniqueTableName('stockOnHand', ['stk_stockonhand', 'STK_stockOnHand_2'])).toBe('STK_stockOnHand_3');
    expect(uniqueTableName('serial.lookup', [])).toBe('STK_serial_lookup');
  });

  it('shows the title, each parameter, who refreshed when, the rows and the columns not shown above the table', () => {
    const lines = captionLines({
      title: 'Stock on hand',
      params: [
        { key: 'locationId', label: 'Location', kind: 'locationId', required: false },
        { key: 'productId', label: 'Product', kind: 'productId', required: false },
      ],
      values: { locationId: 3 },
      shown: { locationId: 'Main store' },
      refreshedAt: new Date('2026-07-01T06:05:00Z'),
      refreshedBy: 'Alice',
      timeZone: 'Australia/Sydney',
      rowCount: 12,
      hiddenColumns: ['Unit cost', 'Value'],
    });
    expect(lines).toEqual([
      ['Stock on hand'],
      ['Location', 'Main store'],
      ['Product', '(any)'],
      ['Refreshed at', '2026-07-01 16:05 (Australia/Sydney) by Alice'],
      ['Rows', 12],
      ['Not shown', 'Unit cost, Value (your role does not see costs)'],
    ]);
    expect(fitCaption(lines, 10)).toBe(lines);
    expect(fitCaption(lines, 4)).toEqual([
      ['Stock on hand'],
      ['Parameters', 'Location: Main store; Product: (any); Refreshed at: 2026-07-01 16:05 (Australia/Sydney) by Alice'],
      ['Rows', 12],
      ['Not shown', 'Unit cost, Value (your role does not see costs)'],
    ]);
  });
});
