// What people type or paste into the sheets the pane lays out, and what the pane reads back: Excel
// converts typing in a General cell (00123 → 123, 1-2 → a date, 1E5 → 100000, digits past the
// 15th → zeros), so the columns for serials, batches, SKUs and bays are Text, expiry columns show
// yyyy-mm-dd, and a selection the pane did not lay out is read by what its cells show.
import { describe, expect, it } from 'vitest';
import { COUNT_COLUMN_FORMATS, COUNT_COLUMNS, readCountSheet, STATUS_COLUMN } from '../../server/domain/count-sheet.ts';
import { collectSerials } from '../../addin/components/selection-serials.ts';
import {
  BATCH_COLUMN_FORMATS,
  BATCH_COLUMNS,
  readMarked,
  SERIAL_COLUMN_FORMATS,
  SERIAL_COLUMNS,
} from '../../addin/features/allocations/allocation-sheet.ts';
import { parseTable, TABLE_COLUMN_FORMATS, TABLE_COLUMNS } from '../../addin/features/purchasing/table-rows.ts';
import { createOfficeWorkbook } from '../../addin/excel/office-workbook.ts';
import { useFakeExcel } from '../support/fake-excel-tests.ts';

const setUp = useFakeExcel();

/** What people type for serials and batches that Excel would change in a General cell. */
const TRICKY = ['00123', '1-2', '3/4', '1E5', '12,345', '1234567890123456789', 'TRUE'];

describe('sheets the pane lays out keep what people type', () => {
  it('a purchase order export: serials, SKUs, bays and batches typed or pasted, below the table too, read back as typed', async () => {
    const f = setUp();
    const workbook = createOfficeWorkbook();
    const header = [...TABLE_COLUMNS];
    await workbook.writeTable('PO 7', header, [[1, '00042', 'Camera', 9, 0, '', '', '', '', '']], undefined, TABLE_COLUMN_FORMATS);

    // The supplier's list is pasted into Serial, Bay and Batch, past the one row the export wrote.
    const at = (name: (typeof TABLE_COLUMNS)[number]) => String.fromCharCode(65 + header.indexOf(name));
    f.workbook.typeInto(
      'PO 7',
      `${at('Serial')}2`,
      TRICKY.map((t) => [t]),
    );
    f.workbook.typeInto(
      'PO 7',
      `${at('Bay')}2`,
      TRICKY.map(() => ['1-2']),
    );
    f.workbook.typeInto(
      'PO 7',
      `${at('Batch')}2`,
      TRICKY.map(() => ['0007']),
    );
    f.workbook.typeInto(
      'PO 7',
      `${at('SKU')}3`,
      TRICKY.slice(1).map(() => ['00042']),
    );
    f.workbook.select('PO 7', `A1:J${TRICKY.length + 1}`);

    const parsed = parseTable(...(await readBoth(workbook)));
    if ('error' in parsed) throw new Error(parsed.error);
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows.map((r) => r.serial)).toEqual(TRICKY);
    expect(parsed.rows.every((r) => r.sku === '00042' && r.bay === '1-2' && r.batch === '0007')).toBe(true);
  });

  it('a count sheet: serials typed into the extra rows and batches typed into Batch, read back as typed', async () => {
    const f = setUp();
    const workbook = createOfficeWorkbook();
    const header = [...COUNT_COLUMNS, STATUS_COLUMN];
    const C = (name: (typeof COUNT_COLUMNS)[number]) => header.indexOf(name);
    const row = (productId: number) => header.map((name) => (name === 'Product ID' ? productId : name === 'SKU' ? 'CAM' : ''));
    await workbook.writeTable('Count', header, [...TRICKY.map(() => row(2)), row(3)], undefined, COUNT_COLUMN_FORMATS);
    await workbook.formatEntrySheet('Count', {
      rowCount: TRICKY.length + 1,
      editable: ['Batch', 'Expiry', 'Serial', 'Counted', 'Found'].map((name) => ({ column: C(name as (typeof COUNT_COLUMNS)[number]) })),
    });
    const cell = (name: (typeof COUNT_COLUMNS)[number], row: number) => `${String.fromCharCode(65 + C(name))}${row}`;
    f.workbook.typeInto(
      'Count',
      cell('Serial', 2),
      TRICKY.map((t) => [t]),
    );
    f.workbook.typeInto('Count', cell('Batch', TRICKY.length + 2), '3/4');
    f.workbook.typeInto('Count', cell('Counted', TRICKY.length + 2), '5');

    const { values, text } = await workbook.readSheet('Count');
    const read = readCountSheet(values, text);
    expect(read.problems).toEqual([]);
    expect(read.rows).toEqual([
      { productId: 2, bayId: null, serials: TRICKY },
      { productId: 3, bayId: null, countedQuantity: 5, batchNumber: '3/4', expiry: null },
    ]);
  });

  it('an allocation list: serials pasted below the listed ones, and the listed batches, read back as typed', async () => {
    const f = setUp();
    const workbook = createOfficeWorkbook();
    await workbook.writeTable('SO 1 L1', [...SERIAL_COLUMNS], [['00777', 'B1', '2026-03-04', '']], undefined, SERIAL_COLUMN_FORMATS);
    f.workbook.typeInto(
      'SO 1 L1',
      'A3',
      TRICKY.map((t) => [t]),
    );
    f.workbook.typeInto('SO 1 L1', 'D2', [['x'], ...TRICKY.map(() => ['x'])]);
    const serials = await workbook.readSheet('SO 1 L1');
    expect(readMarked('SO 1 L1', serials.values, 'serials', serials.text)).toMatchObject({ serials: ['00777', ...TRICKY], problems: [] });

    await workbook.writeTable('SO 1 L2', [...BATCH_COLUMNS], [['0042', '', 10, '']], undefined, BATCH_COLUMN_FORMATS);
    f.workbook.typeInto('SO 1 L2', 'A2', '00042'); // a person corrects the batch number
    f.workbook.typeInto('SO 1 L2', 'D2', '3');
    const batches = await workbook.readSheet('SO 1 L2');
    expect(readMarked('SO 1 L2', batches.values, 'batches', batches.text)).toMatchObject({
      batches: [{ batch: '00042', quantity: 3 }],
      problems: [],
    });
  });

  it('writes its own values exactly when a table is written again over columns it made Text', async () => {
    const f = setUp();
    const workbook = createOfficeWorkbook();
    const header = [...SERIAL_COLUMNS];
    await workbook.writeTable('SO 1 L1', header, [['A1', '', '', '']], undefined, SERIAL_COLUMN_FORMATS);
    const listed = ['00123', '1-2', "'quoted", '=1+1'].map((serial) => [serial, '', '2026-03-04', '']);
    await workbook.writeTable('SO 1 L1', header, listed, undefined, SERIAL_COLUMN_FORMATS);
    expect(f.workbook.values('SO 1 L1', 1, 0, listed.length, 1).flat()).toEqual(['00123', '1-2', "'quoted", '=1+1']);
    expect(f.workbook.numberFormat('SO 1 L1', 50_000, 0)).toBe('@');
    expect(f.workbook.numberFormat('SO 1 L1', 50_000, 2)).toBe('General');
  });
});

describe('a selection the pane did not lay out', () => {
  it('is read by what its cells show: a serial Excel may have changed is reported at its cell, never sent', async () => {
    const f = setUp({ year: 2026 });
    f.workbook.typeInto('Sheet1', 'B2', [['SN-1'], ['00123'], ['1-2'], ['1E5'], ['1234567890123456789'], ['12,345']]);
    f.workbook.select('Sheet1', 'B2:B7');
    const collected = collectSerials(await createOfficeWorkbook().readSelection());
    // 00123 shows as 123 and 12,345 as 12,345: what the cell shows is all there is to read.
    expect(collected.serials).toEqual(['SN-1', '123', '12,345']);
    expect(collected.problems.map((p) => [collected.cells[p.index!]!.row, p.token])).toEqual([
      [3, '2-Jan'],
      [4, '1.00E+05'],
      [5, '1.23457E+18'],
    ]);
    for (const problem of collected.problems)
      expect(problem.message).toMatch(/^Excel stored this as a (number|date) .*: format the column as Text and paste again$/);
  });
});

describe('expiry dates', () => {
  for (const date1904 of [false, true]) {
    it(`are read as the day they show, typed into a count sheet or a pasted table (${date1904 ? '1904' : '1900'} date system)`, async () => {
      const f = setUp({ date1904 });
      const workbook = createOfficeWorkbook();
      const header = [...COUNT_COLUMNS, STATUS_COLUMN];
      const C = (name: (typeof COUNT_COLUMNS)[number]) => header.indexOf(name);
      const row = header.map((name) => (name === 'Product ID' ? 3 : name === 'SKU' ? 'GLUE' : ''));
      await workbook.writeTable('Count', header, [row], undefined, COUNT_COLUMN_FORMATS);
      const at = (name: (typeof COUNT_COLUMNS)[number]) => `${String.fromCharCode(65 + C(name))}2`;
      f.workbook.typeInto('Count', at('Batch'), 'L8');
      f.workbook.typeInto('Count', at('Expiry'), '3/31/2027');
      f.workbook.typeInto('Count', at('Counted'), '2');
      expect(f.workbook.text('Count', 1, C('Expiry'))).toBe('2027-03-31');
      const sheet = await workbook.readSheet('Count');
      expect(readCountSheet(sheet.values, sheet.text).rows).toEqual([
        { productId: 3, bayId: null, countedQuantity: 2, batchNumber: 'L8', expiry: '2027-03-31' },
      ]);

      // A table someone else laid out: a General cell, where Excel shows the date as typed.
      f.workbook.typeInto('Sheet1', 'A1', [
        ['SKU', 'Batch', 'Expiry', 'Quantity'],
        ['GLUE', 'L9', '3/31/2027', '4'],
      ]);
      f.workbook.select('Sheet1', 'A1:D2');
      const parsed = parseTable(...(await readBoth(workbook)));
      if ('error' in parsed) throw new Error(parsed.error);
      expect(parsed.rows).toEqual([{ sku: 'GLUE', batch: 'L9', expiry: '2027-03-31', quantity: 4 }]);
    });
  }
});

/** The selection's values and what its cells show, as parseTable takes them. */
async function readBoth(
  workbook: ReturnType<typeof createOfficeWorkbook>,
): Promise<[values: (string | number | boolean)[][], text: string[][]]> {
  const { values, text } = await workbook.readSelection();
  return [values, text];
}
