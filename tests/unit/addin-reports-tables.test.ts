// Excel tables through the port (addin/excel/office-tables.ts) against the fake Excel, and the
// Reports panel's insert and refresh (addin/features/reports/report-runner.ts) over them: the
// fake's table rules first (what Excel refuses, how formulas over a table follow it), then a table
// made and its rows replaced in place, then whole reports inserted, refreshed and refused.
import { describe, expect, it } from 'vitest';
import { createOfficeWorkbook } from '../../addin/excel/office-workbook.ts';
import { CancelledError, type CellValue, type TableColumnSpec } from '../../addin/excel/port.ts';
import {
  insertReport,
  refreshAll,
  refreshReportSheet,
  RefreshRefused,
  type ReportPage,
  type ReportSummary,
  type RunPage,
} from '../../addin/features/reports/report-runner.ts';
import { parseMeta, REPORT_PROPERTY } from '../../addin/features/reports/report-sheet.ts';
import type { ReportColumn, ReportRow } from '../../addin/features/reports/report-values.ts';
import type { FakeExcel, SyncRecord } from '../support/fake-excel.ts';
import { useFakeExcel } from '../support/fake-excel-tests.ts';

const setUp = useFakeExcel();

/** Runs one batch against the fake, as the port would. */
const batch = <T>(f: FakeExcel, work: (context: Excel.RequestContext) => Promise<T>) =>
  f.Excel.run(work as unknown as Parameters<FakeExcel['Excel']['run']>[0]) as Promise<T>;

describe('Excel tables in the fake (what the table tests rely on)', () => {
  it('makes a table over a range, its header text; a header alone gets a blank row; overlaps and bad names refused', async () => {
    const f = setUp();
    f.workbook.setCells('Sheet1', 0, 0, [['SKU', '', 'SKU', 2024]]);
    await batch(f, async (context) => {
      const table = context.workbook.worksheets.getItem('Sheet1').tables.add('A1:D1', true);
      table.name = 'Items';
      await context.sync();
    });
    expect(f.workbook.table('items')).toMatchObject({
      name: 'Items',
      address: 'A1:D2',
      header: ['SKU', 'Column2', 'SKU2', '2024'],
      bodyRows: 1,
    });
    await expect(
      batch(f, async (context) => {
        context.workbook.worksheets.getItem('Sheet1').tables.add('C2:E4', true);
        await context.sync();
      }),
    ).rejects.toMatchObject({ code: 'InvalidArgument', message: expect.stringContaining("can't overlap") });
    f.workbook.setCells('Sheet1', 9, 0, [['Other'], [1]]);
    await batch(f, async (context) => {
      context.workbook.worksheets.getItem('Sheet1').tables.add('A10:A11', true).name = 'Other';
      await context.sync();
    });
    for (const name of ['A1', 'has space', '1st', 'items', 'R1C1']) {
      await expect(
        batch(f, async (context) => {
          context.workbook.tables.getItem('Other').name = name;
          await context.sync();
        }),
      ).rejects.toMatchObject({ code: 'InvalidArgument' });
    }
  });

  it('calculates SUM, COUNT, COUNTA and SUBTOTAL over a table column, following renames; a deleted table is #REF!', async () => {
    const f = setUp();
    f.workbook.setCells('Data', 0, 0, [
      ['Item', 'Qty'],
      ['a', 2],
      ['b', 'x'],
      ['c', 5],
    ]);
    await batch(f, async (context) => {
      const table = context.workbook.worksheets.getItem('Data').tables.add('A1:B4', true);
      table.name = 'T';
      table.showTotals = true;
      table.getTotalRowRange().formulas = [['Total', '=SUBTOTAL(109,[Qty])']];
      await context.sync();
    });
    f.workbook.typeInto('Sheet1', 'A1', [['=SUM(T[Qty])', '=count(t[qty])', '=COUNTA(T[Qty])', '=SUM(T[Nope])', '=1+1']]);
    expect(f.workbook.values('Sheet1', 0, 0, 1, 5)).toEqual([[7, 2, 3, '#REF!', '=1+1']]);
    expect(f.workbook.values('Data', 4, 0, 1, 2)).toEqual([['Total', 7]]);
    await batch(f, async (context) => {
      context.workbook.tables.getItem('T').name = 'Stock';
      await context.sync();
    });
    expect(f.workbook.cell('Sheet1', 0, 0)).toMatchObject({ value: 7, formula: '=SUM(Stock[Qty])' });
    f.workbook.deleteTable('Stock');
    expect(f.workbook.values('Sheet1', 0, 0, 1, 3)).toEqual([['#REF!', '#REF!', '#REF!']]);
    expect(f.workbook.cell('Sheet1', 0, 0).formula).toBe('=SUM(#REF!)');
  });

  it('adds rows at the end of a table, moving what is under it in its columns; refuses to cut through a table below', async () => {
    const f = setUp({ excelApi: '1.12' });
    f.workbook.setCells('Sheet1', 0, 0, [
      ['Item', 'Qty'],
      ['a', 1],
    ]);
    f.workbook.setCells('Sheet1', 4, 0, [['under A'], ['']]);
    f.workbook.setCells('Sheet1', 4, 2, [['beside']]);
    await batch(f, async (context) => {
      const table = context.workbook.worksheets.getItem('Sheet1').tables.add('A1:B2', true);
      table.name = 'T';
      table.rows.add(undefined, [
        ['b', 2],
        ['c', 3],
      ]);
      await context.sync();
    });
    expect(f.workbook.table('T')).toMatchObject({ address: 'A1:B4', bodyRows: 3 });
    expect(f.workbook.values('Sheet1', 0, 0, 7, 3)).toEqual([
      ['Item', 'Qty', ''],
      ['a', 1, ''],
      ['b', 2, ''],
      ['c', 3, ''],
      ['', '', 'beside'],
      ['', '', ''],
      ['under A', '', ''],
    ]);
    // A table below only partly in the table's columns cannot be shifted.
    f.workbook.setCells('Sheet1', 10, 1, [
      ['X', 'Y'],
      [1, 2],
    ]);
    await batch(f, async (context) => {
      context.workbook.worksheets.getItem('Sheet1').tables.add('B11:C12', true).name = 'Below';
      await context.sync();
    });
    await expect(
      batch(f, async (context) => {
        context.workbook.tables.getItem('T').rows.add(undefined, [['d', 4]]);
        await context.sync();
      }),
    ).rejects.toMatchObject({ code: 'InvalidOperation', message: expect.stringContaining('shift cells in a table') });
    f.workbook.filterTable('Below');
    await expect(
      batch(f, async (context) => {
        context.workbook.tables.getItem('Below').rows.add(undefined, [[3, 4]]);
        await context.sync();
      }),
    ).rejects.toMatchObject({ code: 'InsertDeleteConflict' });
  });

  it('deletes whole data rows with range.delete("Up"); part of a table, or its header, is refused; all of them leave a blank row', async () => {
    const f = setUp();
    f.workbook.setCells('Sheet1', 0, 0, [
      ['Item', 'Qty'],
      ['a', 1],
      ['b', 2],
      ['c', 3],
      ['', ''],
      ['under', ''],
    ]);
    await batch(f, async (context) => {
      context.workbook.worksheets.getItem('Sheet1').tables.add('A1:B4', true).name = 'T';
      await context.sync();
    });
    const del = (address: string) =>
      batch(f, async (context) => {
        context.workbook.worksheets.getItem('Sheet1').getRange(address).delete('Up');
        await context.sync();
      });
    await expect(del('A2:A3')).rejects.toMatchObject({ code: 'InvalidOperation' });
    await expect(del('A1:B2')).rejects.toMatchObject({ code: 'InvalidOperation' });
    await del('A3:B3');
    expect(f.workbook.table('T')).toMatchObject({ address: 'A1:B3', bodyRows: 2 });
    expect(f.workbook.values('Sheet1', 0, 0, 5, 2)).toEqual([
      ['Item', 'Qty'],
      ['a', 1],
      ['c', 3],
      ['', ''],
      ['under', ''],
    ]);
    await del('A2:B3');
    expect(f.workbook.table('T')).toMatchObject({ address: 'A1:B2', bodyRows: 1 });
    expect(f.workbook.values('Sheet1', 0, 0, 4, 2)).toEqual([
      ['Item', 'Qty'],
      ['', ''],
      ['', ''],
      ['under', ''],
    ]);
  });

  it("answers YEAR in the workbook's date system", async () => {
    for (const [date1904, year] of [
      [false, 2000],
      [true, 2004],
    ] as const) {
      const f = setUp({ date1904 });
      const answer = await batch(f, async (context) => {
        const result = context.workbook.functions.year(36_526).load('value');
        await context.sync();
        return result.value;
      });
      expect(answer).toBe(year);
    }
  });
});

const COLUMNS: TableColumnSpec[] = [
  { name: 'Serial', numberFormat: '@' },
  { name: 'Expiry', numberFormat: 'yyyy-mm-dd' },
  { name: 'On hand', numberFormat: '#,##0', total: 'sum' },
  { name: 'Value', numberFormat: '#,##0.00', total: 'sum' },
];
const row = (i: number): CellValue[] => [`${String(i).padStart(5, '0')}`, 46_204 + (i % 30), i, i * 1.5];
const rowsOf = (n: number, from = 1) => Array.from({ length: n }, (_, i) => row(from + i));
const ops = (syncs: SyncRecord[]) => syncs.flatMap((s) => s.operations.filter((o) => o.ran));

describe('a table made and its rows replaced in place (office-tables.ts)', () => {
  it('formats each column over the data rows before any value goes in; text stays as written; a totals row of SUBTOTALs', async () => {
    const f = setUp();
    const port = createOfficeWorkbook();
    const info = await port.createTable({ sheet: 'Report', name: 'STK_test', caption: [['Title'], ['Rows', 3]], columns: COLUMNS }, [
      ['00123', 46_204, 2, 3],
      ['=1+1', '', 5, 7.5],
      ['1-2', 46_205, 1, 0.25],
    ]);
    expect(info).toMatchObject({
      name: 'STK_test',
      sheet: 'Report',
      top: 3,
      left: 0,
      header: COLUMNS.map((c) => c.name),
      bodyRows: 3,
      showTotals: true,
    });
    expect(f.workbook.values('Report', 3, 0, 5, 4)).toEqual([
      ['Serial', 'Expiry', 'On hand', 'Value'],
      ['00123', 46_204, 2, 3],
      ['=1+1', '', 5, 7.5],
      ['1-2', 46_205, 1, 0.25],
      ['Total', '', 8, 10.75],
    ]);
    expect(f.workbook.formulaWrites.map((w) => w.formula)).toEqual(['=SUBTOTAL(109,[On hand])', '=SUBTOTAL(109,[Value])']);
    expect([f.workbook.text('Report', 4, 1), f.workbook.text('Report', 7, 3), f.workbook.text('Report', 1, 1)]).toEqual([
      '2026-07-01',
      '10.75',
      '3',
    ]);
    expect(f.workbook.numberFormat('Report', 4, 0)).toBe('@');
    expect(f.workbook.numberFormat('Report', 7, 0)).toBe('General'); // the totals row's Text column: a formula there would stay text
    expect(f.workbook.cell('Report', 0, 0).bold).toBe(true);
    expect(f.workbook.frozenRows('Report')).toBe(4);
    expect(f.workbook.activeSheet()).toBe('Report');
    // Formats first: every numberFormat set on the data rows ran before the first values set there.
    const ran = ops(f.syncs);
    const firstValues = ran.findIndex((o) => o.name === 'values' && o.target.includes('getRangeByIndexes(4,'));
    const lastFormat = ran.findLastIndex((o) => o.name === 'numberFormat' && o.target.includes('getRangeByIndexes(4,'));
    expect(lastFormat).toBeGreaterThanOrEqual(0);
    expect(lastFormat).toBeLessThan(firstValues);
  });

  it('writes a big table in requests under the limit, and reports its progress', async () => {
    const limit = 300_000;
    const f = setUp({ payloadLimitBytes: limit });
    const port = createOfficeWorkbook({ budgetBytes: 250_000 });
    const rows = rowsOf(20_000);
    const progress: number[] = [];
    await port.createTable({ sheet: 'Big', name: 'Big', caption: [], columns: COLUMNS }, rows, {
      onProgress: (done) => progress.push(done),
    });
    expect(f.workbook.table('Big')).toMatchObject({ address: 'A1:D20002', bodyRows: 20_000 });
    expect(f.workbook.values('Big', 20_000, 0, 1, 4)).toEqual([row(20_000)]);
    expect(f.syncs.length).toBeGreaterThan(4);
    for (const sync of f.syncs) expect(sync.requestBytes).toBeLessThanOrEqual(limit);
    expect(progress.at(-1)).toBe(20_000);
  });

  it('grows and shrinks the same table: rows rewritten, added at the end, deleted at the end; formulas over it follow', async () => {
    const f = setUp();
    const port = createOfficeWorkbook();
    const made = await port.createTable({ sheet: 'Report', name: 'T', caption: [['Title']], columns: COLUMNS }, rowsOf(3));
    f.workbook.typeInto('Sheet1', 'A1', [['=SUM(T[On hand])', '=COUNT(T[Value])']]);
    f.workbook.setCells('Report', 8, 0, [['a note under the table']]);
    expect(f.workbook.values('Sheet1', 0, 0, 1, 2)).toEqual([[6, 3]]);

    const grown = await port.replaceTableRows('T', COLUMNS, rowsOf(7, 11));
    expect(grown).toMatchObject({ id: made.id, name: 'T', top: 2, bodyRows: 7, showTotals: true });
    expect(f.workbook.values('Sheet1', 0, 0, 1, 2)).toEqual([[11 + 12 + 13 + 14 + 15 + 16 + 17, 7]]);
    expect(f.workbook.values('Report', 3, 0, 7, 4)).toEqual(rowsOf(7, 11));
    expect(f.workbook.values('Report', 10, 0, 1, 3)).toEqual([['Total', '', 98]]);
    expect(f.workbook.values('Report', 12, 0, 1, 1)).toEqual([['a note under the table']]); // moved with the rows, as in Excel
    expect(f.workbook.numberFormat('Report', 9, 0)).toBe('@'); // the added rows formatted before their values went in
    expect(ops(f.syncs).filter((o) => o.name === 'add' && o.target.endsWith('.rows'))).toHaveLength(1);

    const shrunk = await port.replaceTableRows('T', COLUMNS, rowsOf(2, 100));
    expect(shrunk).toMatchObject({ id: made.id, name: 'T', bodyRows: 2 });
    expect(f.workbook.values('Sheet1', 0, 0, 1, 2)).toEqual([[201, 2]]);
    expect(f.workbook.values('Report', 3, 0, 4, 3)).toEqual([
      ['00100', 46_214, 100],
      ['00101', 46_215, 101],
      ['Total', '', 201],
      ['', '', ''],
    ]);
    expect(f.workbook.values('Report', 7, 0, 1, 1)).toEqual([['a note under the table']]);

    const emptied = await port.replaceTableRows('T', COLUMNS, []);
    expect(emptied.bodyRows).toBe(1);
    expect(f.workbook.values('Report', 3, 0, 1, 4)).toEqual([['', '', '', '']]);
    expect(f.workbook.values('Sheet1', 0, 0, 1, 2)).toEqual([[0, 0]]);
    expect(f.workbook.tables()).toHaveLength(1);
    // Never deleted and made again: no table was added after the first, none deleted.
    expect(ops(f.syncs).filter((o) => o.target.endsWith('.tables') && o.name === 'add')).toHaveLength(1);
    expect(ops(f.syncs).filter((o) => o.name === 'delete' && /tables\.getItem[^.]*$/.test(o.target))).toHaveLength(0);
    expect(ops(f.syncs).filter((o) => o.name === 'delete' && o.target.includes('getRangeByIndexes'))).toHaveLength(2);
  });

  it('refuses a table whose header was changed, and a filtered one whose row count would change; finds a renamed table by its id', async () => {
    const f = setUp();
    const port = createOfficeWorkbook();
    const made = await port.createTable({ sheet: 'Report', name: 'T', caption: [], columns: COLUMNS }, rowsOf(3));
    f.workbook.setCells('Report', 0, 2, [['Qty']]);
    await expect(port.replaceTableRows('T', COLUMNS, rowsOf(5))).rejects.toThrow(/it has no column "On hand"; it has column "Qty"/);
    expect(f.workbook.table('T')!.bodyRows).toBe(3);
    f.workbook.setCells('Report', 0, 2, [['On hand']]);

    f.workbook.filterTable('T');
    await expect(port.replaceTableRows('T', COLUMNS, rowsOf(5))).rejects.toThrow(/is filtered.*clear its filter/);
    await port.replaceTableRows('T', COLUMNS, rowsOf(3, 50)); // the same row count: rewritten under the filter
    expect(f.workbook.values('Report', 1, 0, 1, 1)).toEqual([['00050']]);

    await batch(f, async (context) => {
      context.workbook.tables.getItem('T').name = 'Renamed';
      await context.sync();
    });
    expect(await port.readTable('T')).toBeNull();
    expect(await port.readTable(made.id)).toMatchObject({ name: 'Renamed', id: made.id });
  });

  it('stops before its next request when cancelled', async () => {
    const f = setUp({ payloadLimitBytes: 300_000 });
    const port = createOfficeWorkbook({ budgetBytes: 250_000 });
    const stop = new AbortController();
    await expect(
      port.createTable({ sheet: 'Big', name: 'Big', caption: [], columns: COLUMNS }, rowsOf(20_000), {
        signal: stop.signal,
        onProgress: (done) => done > 0 && stop.abort(),
      }),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(f.workbook.tables()).toEqual([]);
    expect(f.syncs.length).toBe(2); // the layout, and one block of rows
  });

  it('tells the 1900 date system from the 1904 one', async () => {
    setUp();
    expect(await createOfficeWorkbook().dateSystem()).toBe('1900');
    setUp({ date1904: true });
    expect(await createOfficeWorkbook().dateSystem()).toBe('1904');
  });
});

// ---- whole reports ----

const REPORT_COLUMNS: ReportColumn[] = [
  { key: 'sku', label: 'SKU', type: 'text' },
  { key: 'expiry', label: 'Expiry', type: 'date' },
  { key: 'quantity', label: 'On hand', type: 'quantity' },
  { key: 'value', label: 'Value', type: 'money' },
];
const SUMMARY: ReportSummary = {
  id: 'stockOnHand',
  title: 'Stock on hand',
  description: 'What is on hand.',
  keywords: ['stock'],
  params: [{ key: 'locationId', label: 'Location', kind: 'locationId', required: false }],
  columns: REPORT_COLUMNS,
};
const CONTEXT = {
  serverUrl: 'https://stocksheet.test',
  user: { name: 'Alice', role: 'admin' },
  timeZone: 'UTC',
  now: () => new Date('2026-07-01T06:05:00Z'),
};

/** A server with one report whose rows a test changes; it pages by an offset cursor as reports.run pages by its keyset. */
function reportServer(initial: ReportRow[], columns: ReportColumn[] = REPORT_COLUMNS) {
  const server = { rows: initial, columns, hidden: [] as string[], calls: 0, params: [] as unknown[] };
  const run: RunPage = async ({ report, params, cursor, limit }) => {
    server.calls++;
    server.params.push(params);
    const offset = cursor ? Number(cursor) : 0;
    const page = server.rows.slice(offset, offset + limit);
    const sum = (key: string) => server.rows.reduce((s, r) => s + Number(r[key] ?? 0), 0);
    const answer: ReportPage = {
      report,
      title: 'Stock on hand',
      columns: server.columns,
      hiddenColumns: server.hidden,
      rows: page,
      totals:
        offset === 0
          ? { quantity: sum('quantity'), ...(server.columns.some((c) => c.key === 'value') ? { value: sum('value') } : {}) }
          : null,
      nextCursor: offset + limit < server.rows.length ? String(offset + limit) : null,
    };
    return answer;
  };
  return { server, run };
}
const stock = (n: number, from = 1): ReportRow[] =>
  Array.from({ length: n }, (_, i) => ({ sku: `0${from + i}`, expiry: '2026-07-01', quantity: from + i, value: (from + i) * 2 }));

describe('a report inserted and refreshed (report-runner.ts over the fake)', () => {
  it('inserts every page as a table on a new sheet, the parameters above it and stored for Refresh', async () => {
    const f = setUp({ date1904: true });
    const port = createOfficeWorkbook();
    const { server, run } = reportServer(stock(12_001));
    const phases = new Set<string>();
    const outcome = await insertReport(
      port,
      run,
      { report: SUMMARY, params: { locationId: 3 }, shown: { locationId: 'Main store' } },
      CONTEXT,
      {
        onProgress: (p) => phases.add(p.phase),
      },
    );
    expect(outcome).toEqual({ sheet: 'Stock on hand', table: 'STK_stockOnHand', rowCount: 12_001 });
    expect(server.calls).toBe(3); // pages of 5,000
    expect([...phases]).toEqual(['fetching', 'writing']);
    expect(f.workbook.values('Stock on hand', 0, 0, 6, 2)).toEqual([
      ['Stock on hand', ''],
      ['Location', 'Main store'],
      ['Refreshed at', '2026-07-01 06:05 (UTC) by Alice'],
      ['Rows', 12_001],
      ['', ''],
      ['SKU', 'Expiry'],
    ]);
    // Days as 1904-system day numbers, shown as the day; SKUs with a leading zero kept.
    expect(f.workbook.values('Stock on hand', 6, 0, 1, 4)).toEqual([['01', 46_204 - 1_462, 1, 2]]);
    expect(f.workbook.text('Stock on hand', 6, 1)).toBe('2026-07-01');
    const meta = parseMeta(f.workbook.customProperty('Stock on hand', REPORT_PROPERTY));
    expect(meta).toMatchObject({
      report: 'stockOnHand',
      params: { locationId: 3 },
      shown: { locationId: 'Main store' },
      table: 'STK_stockOnHand',
      rowCount: 12_001,
      serverUrl: CONTEXT.serverUrl,
      complete: true,
    });
    // Inserted again: a sheet and table of its own.
    const again = await insertReport(port, run, { report: SUMMARY, params: {}, shown: {} }, CONTEXT);
    expect(again).toMatchObject({ sheet: 'Stock on hand (2)', table: 'STK_stockOnHand_2' });
  });

  it('refreshes in place with the stored parameters: the same table grown and shrunk, the block and the property updated', async () => {
    const f = setUp();
    const port = createOfficeWorkbook();
    const { server, run } = reportServer(stock(2));
    await insertReport(port, run, { report: SUMMARY, params: { locationId: 3 }, shown: { locationId: 'Main store' } }, CONTEXT);
    const id = f.workbook.table('STK_stockOnHand')!;
    f.workbook.typeInto('Sheet1', 'A1', '=SUM(STK_stockOnHand[On hand])');
    expect(f.workbook.values('Sheet1', 0, 0, 1, 1)).toEqual([[3]]);

    server.rows = stock(6);
    const later = { ...CONTEXT, user: { name: 'Bob', role: 'accountant' }, now: () => new Date('2026-07-02T09:00:00Z') };
    const grown = await refreshReportSheet(port, run, [SUMMARY], 'Stock on hand', later);
    expect(grown).toEqual({ sheet: 'Stock on hand', title: 'Stock on hand', table: 'STK_stockOnHand', before: 2, rowCount: 6 });
    expect(server.params.at(-1)).toEqual({ locationId: 3 });
    expect(f.workbook.values('Sheet1', 0, 0, 1, 1)).toEqual([[21]]);
    expect(f.workbook.table('STK_stockOnHand')).toMatchObject({
      address: id.address.replace(/\d+$/, String(Number(/\d+$/.exec(id.address)![0]) + 4)),
    });
    expect(f.workbook.values('Stock on hand', 2, 0, 2, 2)).toEqual([
      ['Refreshed at', '2026-07-02 09:00 (UTC) by Bob'],
      ['Rows', 6],
    ]);
    expect(parseMeta(f.workbook.customProperty('Stock on hand', REPORT_PROPERTY))).toMatchObject({
      rowCount: 6,
      refreshedBy: 'Bob',
      complete: true,
    });

    server.rows = stock(1, 40);
    await refreshReportSheet(port, run, [SUMMARY], 'Stock on hand', later);
    expect(f.workbook.values('Sheet1', 0, 0, 1, 1)).toEqual([[40]]);
    expect(f.workbook.tables()).toHaveLength(1);
    server.rows = [];
    await refreshReportSheet(port, run, [SUMMARY], 'Stock on hand', later);
    expect(f.workbook.values('Sheet1', 0, 0, 1, 1)).toEqual([[0]]);
    expect(f.workbook.table('STK_stockOnHand')!.bodyRows).toBe(1);
  });

  it('refuses, changing nothing, a sheet whose report changed its columns, whose columns the role does not see, whose table is gone, or from another server', async () => {
    const f = setUp();
    const port = createOfficeWorkbook();
    const { server, run } = reportServer(stock(3));
    await insertReport(port, run, { report: SUMMARY, params: {}, shown: {} }, CONTEXT);
    const before = JSON.stringify(f.workbook.values('Stock on hand', 0, 0, 12, 4));
    const calls = server.calls;
    const refused = (reports: ReportSummary[], context = CONTEXT) => refreshReportSheet(port, run, reports, 'Stock on hand', context);

    const changed = { ...SUMMARY, columns: [...REPORT_COLUMNS, { key: 'margin', label: 'Margin', type: 'money' }] };
    await expect(refused([changed])).rejects.toThrow(/have changed since this sheet was inserted \(new: "Margin"\)/);
    const noCosts = { ...SUMMARY, columns: REPORT_COLUMNS.filter((c) => c.key !== 'value') };
    await expect(refused([noCosts], { ...CONTEXT, user: { name: 'W', role: 'warehouse' } })).rejects.toThrow(
      /your role \(warehouse\) does not see \("Value"\)/,
    );
    await expect(refused([])).rejects.toThrow(/no longer on the server/);
    await expect(refused([SUMMARY], { ...CONTEXT, serverUrl: 'https://elsewhere.test' })).rejects.toThrow(
      /connected to https:\/\/elsewhere.test/,
    );
    await expect(refreshReportSheet(port, run, [SUMMARY], 'Sheet1', CONTEXT)).rejects.toThrow(/not a report sheet/);
    // The report itself answering with other columns (the list was out of date) is refused too.
    server.columns = [...REPORT_COLUMNS, { key: 'margin', label: 'Margin', type: 'money' }];
    await expect(refused([SUMMARY])).rejects.toBeInstanceOf(RefreshRefused);
    server.columns = REPORT_COLUMNS;
    expect(JSON.stringify(f.workbook.values('Stock on hand', 0, 0, 12, 4))).toBe(before);
    expect(server.calls).toBe(calls + 1); // only the last one ran the report

    f.workbook.setCells('Stock on hand', 5, 2, [['Qty']]); // the header row, under the 4-line block and a blank row
    await expect(refused([SUMMARY])).rejects.toThrow(/were changed in the sheet/);
    f.workbook.deleteTable('STK_stockOnHand');
    await expect(refused([SUMMARY])).rejects.toThrow(/table STK_stockOnHand of "Stock on hand" is gone/);
  });

  it('cancelled while fetching writes nothing; while writing a new sheet, deletes it; while refreshing, says the table is incomplete', async () => {
    const f = setUp({ payloadLimitBytes: 300_000 });
    const port = createOfficeWorkbook({ budgetBytes: 250_000 });
    const { server, run } = reportServer(stock(12_000));
    const stop = new AbortController();
    await expect(
      insertReport(port, run, { report: SUMMARY, params: {}, shown: {} }, CONTEXT, {
        signal: stop.signal,
        onProgress: (p) => p.phase === 'fetching' && p.rows >= 5_000 && stop.abort(),
      }),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(server.calls).toBe(1);
    expect(f.syncs).toHaveLength(0);

    const stopWriting = new AbortController();
    await expect(
      insertReport(port, run, { report: SUMMARY, params: {}, shown: {} }, CONTEXT, {
        signal: stopWriting.signal,
        onProgress: (p) => p.phase === 'writing' && p.done > 0 && stopWriting.abort(),
      }),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(f.workbook.sheetNames()).toEqual(['Sheet1']);
    expect(f.workbook.tables()).toEqual([]);

    await insertReport(port, run, { report: SUMMARY, params: {}, shown: {} }, CONTEXT);
    server.rows = stock(12_000, 7);
    const stopRefresh = new AbortController();
    await expect(
      refreshReportSheet(port, run, [SUMMARY], 'Stock on hand', CONTEXT, {
        signal: stopRefresh.signal,
        onProgress: (p) => p.phase === 'writing' && p.done > 0 && stopRefresh.abort(),
      }),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(f.workbook.values('Stock on hand', 3, 0, 1, 2)[0]![1]).toMatch(/^incomplete: the last refresh was stopped/);
    expect(parseMeta(f.workbook.customProperty('Stock on hand', REPORT_PROPERTY))!.complete).toBe(false);
    await refreshReportSheet(port, run, [SUMMARY], 'Stock on hand', CONTEXT);
    expect(parseMeta(f.workbook.customProperty('Stock on hand', REPORT_PROPERTY))!.complete).toBe(true);
    expect(f.workbook.values('Stock on hand', 3, 0, 1, 2)).toEqual([['Rows', 12_000]]);
  });

  it('deletes its new sheet when Excel refuses to make the table, and says why', async () => {
    let protectNow = () => undefined as void;
    const f = setUp({
      // Someone protects the sheet just before the table is made: Excel refuses the table.
      beforeSync: (sync) => {
        if (sync.operations.some((o) => o.name === 'add' && o.target.endsWith('.tables'))) protectNow();
      },
    });
    protectNow = () => f.workbook.protect('Stock on hand');
    const { run } = reportServer(stock(3));
    await expect(insertReport(createOfficeWorkbook(), run, { report: SUMMARY, params: {}, shown: {} }, CONTEXT)).rejects.toMatchObject({
      code: 'AccessDenied',
    });
    expect(f.workbook.sheetNames()).toEqual(['Sheet1']);
    expect(f.workbook.tables()).toEqual([]);
  });

  it('refreshes every report sheet, saying which were refused', async () => {
    const f = setUp();
    const port = createOfficeWorkbook();
    const { server, run } = reportServer(stock(2));
    await insertReport(port, run, { report: SUMMARY, params: {}, shown: {} }, CONTEXT);
    await insertReport(port, run, { report: SUMMARY, params: {}, shown: {} }, CONTEXT);
    f.workbook.deleteTable('STK_stockOnHand_2');
    server.rows = stock(4);
    const outcome = await refreshAll(port, run, [SUMMARY], CONTEXT);
    expect(outcome.refreshed.map((r) => [r.sheet, r.rowCount])).toEqual([['Stock on hand', 4]]);
    expect(outcome.refused).toEqual([{ sheet: 'Stock on hand (2)', message: expect.stringContaining('is gone') }]);
  });
});
