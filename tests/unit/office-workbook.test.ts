import { describe, expect, it } from 'vitest';
import { asCellText, needsTextPrefix } from '../../addin/excel/cell-text.ts';
import { DEFAULT_BUDGET_BYTES } from '../../addin/excel/chunks.ts';
import { STATUS_BAD_FILL, STATUS_OK_FILL } from '../../addin/excel/office-entry-sheet.ts';
import { COMMENT_PREFIX, FILL_ONLY_PROPERTY, MARK_FILL } from '../../addin/excel/office-marks.ts';
import { ENTRY_LAYOUT_PROPERTY } from '../../addin/excel/office-protection.ts';
import { createOfficeWorkbook } from '../../addin/excel/office-workbook.ts';
import { openWorkbook } from '../../addin/excel/open-workbook.ts';
import type { CellValue, EntryLayout } from '../../addin/excel/port.ts';
import { type FakeExcel, type FakeValue, type SyncRecord } from '../support/fake-excel.ts';
import { useFakeExcel } from '../support/fake-excel-tests.ts';

/** A fresh fake workbook installed as the `Excel` and `Office` globals (checked after each test). */
const setUp = useFakeExcel();

const ops = (syncs: SyncRecord[]) => syncs.flatMap((s) => s.operations);
const writesOf = (syncs: SyncRecord[]) => ops(syncs).filter((o) => o.write && o.ran);
const valueLoads = (syncs: SyncRecord[]) =>
  syncs.filter((s) => s.operations.some((o) => o.kind === 'load' && o.name.split(',').includes('values')));

/** Nothing the port wrote left Excel's calculation suspended (formulas a person has stay up to date). */
function expectCalculationUpToDate(f: FakeExcel) {
  expect(writesOf(f.syncs).length).toBeGreaterThan(0);
  expect(f.workbook.calculationPending()).toBe(false);
}

function progressRecorder() {
  const calls: Array<[number, number]> = [];
  return { calls, report: (done: number, total: number) => void calls.push([done, total]) };
}

/** A 60-odd character serial-like text for row i, column c. */
const longSerial = (i: number, c: number) => `SN-${String(i).padStart(6, '0')}-${c}-${'x'.repeat(50)}`;

describe('the fake Excel (what the port tests rely on)', () => {
  it('throws PropertyNotLoaded for a property read without load and sync, and records it', async () => {
    const f = setUp();
    f.workbook.setCells('Sheet1', 0, 0, [['a']]);
    await f.Excel.run(async (context) => {
      const range = context.workbook.worksheets.getItem('Sheet1').getRangeByIndexes(0, 0, 1, 1);
      expect(() => range.values).toThrow(/The property 'values' is not available/);
      range.load('values');
      expect(() => range.values).toThrow(expect.objectContaining({ code: 'PropertyNotLoaded' }));
      await context.sync();
      expect(range.values).toEqual([['a']]);
      expect(() => range.address).toThrow(/'address' is not available/);
    });
    expect(f.notLoadedReads).toHaveLength(3);
    f.notLoadedReads.length = 0;
  });

  it('applies queued writes at sync, and refuses proxies after the run', async () => {
    const f = setUp();
    let leaked: { values: FakeValue[][] } | null = null;
    await f.Excel.run(async (context) => {
      const range = context.workbook.worksheets.getItem('Sheet1').getRangeByIndexes(0, 0, 1, 2);
      range.values = [['x', 1]];
      expect(f.workbook.cell('Sheet1', 0, 0).value).toBe('');
      await context.sync();
      expect(f.workbook.values('Sheet1', 0, 0, 1, 2)).toEqual([['x', 1]]);
      leaked = range;
    });
    expect(() => (leaked!.values = [['y', 2]])).toThrow(/finished/);
  });

  it('reads typed text as Excel does: formulas and numbers, unless the apostrophe says text', async () => {
    const f = setUp();
    await f.Excel.run(async (context) => {
      context.workbook.worksheets.getItem('Sheet1').getRangeByIndexes(0, 0, 2, 6).values = [
        ['=1+1', '+61', '-5x', '@x', '00123', 'TRUE'],
        ["'=1+1", "'+61", "'-5x", "'@x", "'00123", "'TRUE"],
      ];
      await context.sync();
    });
    expect(f.workbook.formulaWrites.map((w) => w.formula)).toEqual(['=1+1', '=-5x', '=@x']);
    expect(f.workbook.values('Sheet1', 0, 1, 1, 5)).toEqual([[61, '-5x', '@x', 123, true]]);
    expect(f.workbook.values('Sheet1', 1, 0, 1, 6)).toEqual([['=1+1', '+61', '-5x', '@x', '00123', 'TRUE']]);
    expect(f.workbook.cell('Sheet1', 1, 0).formula).toBeUndefined();
  });

  it('refuses a sync whose request or response is over the payload limit', async () => {
    const f = setUp({ payloadLimitBytes: 1_000 });
    f.workbook.setCells('Sheet1', 0, 0, [['y'.repeat(2_000)]]);
    await f.Excel.run(async (context) => {
      const sheet = context.workbook.worksheets.getItem('Sheet1');
      sheet.getRangeByIndexes(5, 0, 1, 1).values = [['z'.repeat(2_000)]];
      await expect(context.sync()).rejects.toMatchObject({ code: 'RequestPayloadSizeLimitExceeded' });
      sheet.getRangeByIndexes(0, 0, 1, 1).load('values');
      await expect(context.sync()).rejects.toMatchObject({ code: 'ResponsePayloadSizeLimitExceeded' });
    });
    expect(f.workbook.cell('Sheet1', 5, 0).value).toBe('');
    expect(f.syncs.map((s) => s.error?.split(':')[0])).toEqual(['RequestPayloadSizeLimitExceeded', 'ResponsePayloadSizeLimitExceeded']);
    expect(f.syncs[0]!.requestBytes).toBeGreaterThan(2_000);
    expect(f.syncs[1]!.responseBytes).toBeGreaterThan(2_000);
  });
});

describe('asCellText', () => {
  it('prefixes an apostrophe to text Excel would read as a formula', () => {
    for (const text of ['=1+1', '+61', '-5x', '@x', '=HYPERLINK("http://x")', '-', '+']) expect(asCellText(text)).toBe(`'${text}`);
  });

  it('protects text Excel would convert (leading zeros, dates, booleans, errors, a leading apostrophe)', () => {
    for (const text of [
      '00123',
      '1/2',
      '12-3',
      '10:30',
      '1e5',
      '5%',
      '(5)',
      '$5',
      'TRUE',
      'false',
      '#N/A',
      "'quoted",
      ' 42',
      'Jan 5',
      'March-2024',
    ]) {
      expect(needsTextPrefix(text)).toBe(true);
      expect(asCellText(text)).toBe(`'${text}`);
    }
  });

  it('leaves other text, numbers and booleans alone', () => {
    for (const value of ['SN0001', 'Widget', '', 'A-1', 'x=1', 'Janet', 'TRUEST', '#1 bin', 42, -5, 0, true, false] as CellValue[]) {
      expect(asCellText(value)).toBe(value);
    }
  });
});

describe('readSelection', () => {
  it('reads a 50,000 × 2 selection in several syncs, none over the budget, with progress', async () => {
    const f = setUp();
    const rows = 50_000;
    const data = Array.from({ length: rows }, (_, i) => [longSerial(i, 0), longSerial(i, 1)]);
    f.workbook.setCells('Sheet1', 0, 0, data);
    f.workbook.select('Sheet1', 'A1:B50000');
    const progress = progressRecorder();

    const selection = await createOfficeWorkbook().readSelection(progress.report);

    expect(selection).toMatchObject({ sheet: 'Sheet1', address: 'A1:B50000', top: 0, left: 0 });
    expect(selection.values).toHaveLength(rows);
    expect(selection.values).toEqual(data);
    const reads = valueLoads(f.syncs);
    expect(reads.length).toBeGreaterThanOrEqual(7);
    for (const sync of reads) expect(sync.operations.filter((o) => o.kind === 'load')).toHaveLength(1); // one block per sync
    for (const sync of f.syncs) {
      expect(sync.error).toBeNull();
      expect(sync.requestBytes).toBeLessThanOrEqual(DEFAULT_BUDGET_BYTES);
      expect(sync.responseBytes).toBeLessThanOrEqual(DEFAULT_BUDGET_BYTES);
    }
    expect(progress.calls[0]).toEqual([0, rows]);
    expect(progress.calls.at(-1)).toEqual([rows, rows]);
    expect(progress.calls.map(([done]) => done)).toEqual([...progress.calls.map(([done]) => done)].sort((a, b) => a - b));
  });

  it('needs the chunks: the same selection read in one request is over the 5 MB limit', async () => {
    const f = setUp();
    const data = Array.from({ length: 50_000 }, (_, i) => [longSerial(i, 0), longSerial(i, 1)]);
    f.workbook.setCells('Sheet1', 0, 0, data);
    expect(new TextEncoder().encode(JSON.stringify(data)).length).toBeGreaterThan(5_000_000);
    await expect(
      f.Excel.run(async (context) => {
        context.workbook.worksheets.getItem('Sheet1').getRangeByIndexes(0, 0, 50_000, 2).load('values');
        await context.sync();
      }),
    ).rejects.toMatchObject({ code: 'ResponsePayloadSizeLimitExceeded' });
  });

  it('returns the selection position and values as Excel gives them', async () => {
    const f = setUp({ sheets: ['Sheet1', 'My sheet'] });
    f.workbook.setCells('My sheet', 1, 1, [
      ['SN1', 2, true],
      ['', 'SN2', false],
    ]);
    f.workbook.select('My sheet', 'B2:D3');
    const selection = await createOfficeWorkbook().readSelection();
    expect(selection).toEqual({
      sheet: 'My sheet',
      address: 'B2:D3',
      top: 1,
      left: 1,
      values: [
        ['SN1', 2, true],
        ['', 'SN2', false],
      ],
      text: [
        ['SN1', '2', 'TRUE'],
        ['', 'SN2', 'FALSE'],
      ],
    });
  });

  it('reads only the filled part of a whole-column selection', async () => {
    const f = setUp();
    f.workbook.setCells('Sheet1', 2, 0, [['SN1'], ['SN2'], ['SN3']]);
    f.workbook.setCells('Sheet1', 9, 3, [['elsewhere']]);
    f.workbook.select('Sheet1', 'A1:A1048576');
    const selection = await createOfficeWorkbook().readSelection();
    expect(selection).toEqual({
      sheet: 'Sheet1',
      address: 'A3:A10',
      top: 2,
      left: 0,
      values: [['SN1'], ['SN2'], ['SN3'], [''], [''], [''], [''], ['']],
      text: [['SN1'], ['SN2'], ['SN3'], [''], [''], [''], [''], ['']],
    });
    expect(valueLoads(f.syncs)).toHaveLength(1);
  });

  it('gives no values for a selection with nothing in it', async () => {
    const f = setUp();
    f.workbook.setCells('Sheet1', 0, 0, [['far away']]);
    f.workbook.select('Sheet1', 'C3:D4');
    expect(await createOfficeWorkbook().readSelection()).toEqual({
      sheet: 'Sheet1',
      address: 'C3:D4',
      top: 2,
      left: 2,
      values: [],
      text: [],
    });
    expect(valueLoads(f.syncs)).toHaveLength(0);
  });

  it('refuses a selection of several areas with a message a person can act on', async () => {
    const f = setUp();
    f.workbook.setCells('Sheet1', 0, 0, [['a', 'b', 'c']]);
    f.workbook.select('Sheet1', 'A1:A3,C1:C3');
    await expect(createOfficeWorkbook().readSelection()).rejects.toThrow(
      'The selection has 2 separate blocks of cells (Sheet1!A1:A3,Sheet1!C1:C3). Select one rectangular block and try again.',
    );
    expect(f.syncs.every((s) => s.error === null)).toBe(true); // refused before asking Excel for a single range
  });

  it('splits a block again when its cells are far bigger than assumed', async () => {
    const f = setUp();
    const data = Array.from({ length: 3_000 }, (_, i) => [`${i}:${'z'.repeat(2_000)}`, `${i}`]);
    f.workbook.setCells('Sheet1', 0, 0, data);
    f.workbook.select('Sheet1', 'A1:B3000');
    const progress = progressRecorder();
    const selection = await createOfficeWorkbook().readSelection(progress.report);
    expect(selection.values).toEqual(data);
    const refused = f.syncs.filter((s) => s.error);
    expect(refused.length).toBeGreaterThan(0);
    for (const sync of refused) expect(sync.error).toMatch(/^ResponsePayloadSizeLimitExceeded/);
    for (const sync of f.syncs.filter((s) => !s.error)) expect(sync.responseBytes).toBeLessThanOrEqual(5_000_000);
    expect(progress.calls.at(-1)).toEqual([3_000, 3_000]);
  });
});

describe('markProblems and clearProblems', () => {
  const marks = [
    { row: 1, column: 0, message: 'Duplicate in the paste (also row 5).' },
    { row: 4, column: 0, message: 'Duplicate in the paste (also row 2).' },
    { row: 7, column: 1, message: 'SN7 already exists.' },
  ];

  it('fills and comments exactly the marked cells', async () => {
    const f = setUp();
    f.workbook.setCells(
      'Sheet1',
      0,
      0,
      Array.from({ length: 10 }, (_, i) => [`SN${i}`, `SN${i + 10}`]),
    );
    const progress = progressRecorder();
    await createOfficeWorkbook().markProblems('Sheet1', marks, progress.report);

    for (const mark of marks) {
      expect(f.workbook.cell('Sheet1', mark.row, mark.column)).toMatchObject({ fill: MARK_FILL, comment: COMMENT_PREFIX + mark.message });
    }
    expect(f.workbook.fills('Sheet1').size).toBe(3);
    expect(f.workbook.comments('Sheet1')).toHaveLength(3);
    expect(f.workbook.cell('Sheet1', 0, 0)).toMatchObject({ value: 'SN0', fill: null, comment: null });
    expect(progress.calls.at(-1)).toEqual([3, 3]);
    expectCalculationUpToDate(f);
  });

  it('clears the earlier marks first, so only current problems show', async () => {
    const f = setUp();
    const workbook = createOfficeWorkbook();
    await workbook.markProblems('Sheet1', marks);
    await workbook.markProblems('Sheet1', [
      { row: 4, column: 0, message: 'Now something else.' },
      { row: 9, column: 3, message: 'New.' },
    ]);

    expect([...f.workbook.fills('Sheet1').keys()].sort()).toEqual(['4,0', '9,3']);
    expect(f.workbook.comments('Sheet1').map((c) => [c.row, c.column, c.content])).toEqual([
      [4, 0, `${COMMENT_PREFIX}Now something else.`],
      [9, 3, `${COMMENT_PREFIX}New.`],
    ]);

    await workbook.clearProblems('Sheet1');
    expect(f.workbook.fills('Sheet1').size).toBe(0);
    expect(f.workbook.comments('Sheet1')).toEqual([]);
  });

  it("fills a cell that already has someone's comment, keeps that comment, and clears only its own marks", async () => {
    const f = setUp();
    f.workbook.addComment('Sheet1', 1, 0, 'Check with the supplier.');
    f.workbook.addComment('Sheet1', 2, 2, 'Not ours, and not marked.');
    f.workbook.setFill('Sheet1', 2, 2, '#00FF00');
    f.workbook.setFill('Sheet1', 3, 3, MARK_FILL); // the user's own red cell, no comment
    const workbook = createOfficeWorkbook();

    await workbook.markProblems('Sheet1', marks);
    expect(f.workbook.cell('Sheet1', 1, 0)).toMatchObject({ fill: MARK_FILL, comment: 'Check with the supplier.' });
    expect(f.workbook.cell('Sheet1', 4, 0)).toMatchObject({ fill: MARK_FILL, comment: COMMENT_PREFIX + marks[1]!.message });
    expect(f.syncs.every((s) => s.error === null)).toBe(true); // no comment added where one already was

    await workbook.clearProblems('Sheet1');
    expect(f.workbook.cell('Sheet1', 1, 0)).toMatchObject({ fill: null, comment: 'Check with the supplier.' });
    expect(f.workbook.cell('Sheet1', 4, 0)).toMatchObject({ fill: null, comment: null });
    expect(f.workbook.cell('Sheet1', 2, 2)).toMatchObject({ fill: '#00FF00', comment: 'Not ours, and not marked.' });
    expect(f.workbook.cell('Sheet1', 3, 3).fill).toBe(MARK_FILL);
  });

  it('retries a batch that failed because a cell got a comment meanwhile: fills for all, comments where none', async () => {
    let interfered = false;
    const f = setUp({
      beforeSync: (sync) => {
        if (!interfered && sync.operations.some((o) => o.target === 'workbook.comments' && o.name === 'add')) {
          interfered = true;
          f.workbook.addComment('Sheet1', 4, 0, 'A colleague got here first.');
        }
      },
    });
    await createOfficeWorkbook().markProblems('Sheet1', marks);

    expect(f.syncs.filter((s) => s.error)).toHaveLength(1);
    expect(f.syncs.find((s) => s.error)!.error).toMatch(/already has a comment/);
    expect(f.workbook.cell('Sheet1', 4, 0)).toMatchObject({ fill: MARK_FILL, comment: 'A colleague got here first.' });
    expect(f.workbook.cell('Sheet1', 1, 0)).toMatchObject({ fill: MARK_FILL, comment: COMMENT_PREFIX + marks[0]!.message });
    expect(f.workbook.cell('Sheet1', 7, 1)).toMatchObject({ fill: MARK_FILL, comment: COMMENT_PREFIX + marks[2]!.message });
    expect(f.workbook.comments('Sheet1')).toHaveLength(3);
  });

  it('fills a cell that refuses comments for a reason it cannot see (a note), and still clears it later', async () => {
    const f = setUp();
    f.workbook.addNote('Sheet1', 1, 0, 'Legacy note.');
    const workbook = createOfficeWorkbook();
    await workbook.markProblems('Sheet1', marks);

    expect(f.workbook.cell('Sheet1', 1, 0)).toMatchObject({ fill: MARK_FILL, comment: null, note: 'Legacy note.' });
    for (const mark of marks.slice(1)) {
      expect(f.workbook.cell('Sheet1', mark.row, mark.column)).toMatchObject({ fill: MARK_FILL, comment: COMMENT_PREFIX + mark.message });
    }
    expect(f.workbook.customProperty('Sheet1', FILL_ONLY_PROPERTY)).toBe('A2');
    expect(f.syncs.filter((s) => s.error).map((s) => s.error)).toEqual([
      expect.stringMatching(/has a note/),
      expect.stringMatching(/has a note/),
    ]);
    expectCalculationUpToDate(f);

    await workbook.clearProblems('Sheet1');
    expect(f.workbook.fills('Sheet1').size).toBe(0);
    expect(f.workbook.comments('Sheet1')).toEqual([]);
    expect(f.workbook.cell('Sheet1', 1, 0).note).toBe('Legacy note.');
    expect(f.workbook.customProperty('Sheet1', FILL_ONLY_PROPERTY)).toBeNull();
  });

  it('isolates the cells that refuse a comment: every other cell of the batch still gets its own', async () => {
    const f = setUp();
    f.workbook.addNote('Sheet1', 10, 0, 'Note one.');
    f.workbook.addNote('Sheet1', 30, 0, 'Note two.');
    f.workbook.addComment('Sheet1', 20, 0, "A colleague's comment.");
    const many = Array.from({ length: 50 }, (_, i) => ({ row: i, column: 0, message: `Problem ${i}` }));
    await createOfficeWorkbook().markProblems('Sheet1', many);

    expect(f.workbook.fills('Sheet1').size).toBe(50);
    for (let row = 0; row < 50; row++) {
      const expected = row === 10 || row === 30 ? null : row === 20 ? "A colleague's comment." : `${COMMENT_PREFIX}Problem ${row}`;
      expect([row, f.workbook.cell('Sheet1', row, 0).comment]).toEqual([row, expected]);
    }
    expect(f.workbook.customProperty('Sheet1', FILL_ONLY_PROPERTY)).toBe('A11,A31');
    expectCalculationUpToDate(f);
  });

  it('gives up with the first error when even fills fail (a protected sheet)', async () => {
    const f = setUp();
    f.workbook.protect('Sheet1');
    await expect(createOfficeWorkbook().markProblems('Sheet1', marks)).rejects.toMatchObject({
      code: 'AccessDenied',
      message: 'The sheet "Sheet1" is protected.',
    });
    expect(f.syncs.filter((s) => s.error)).toHaveLength(2); // the batch, then its fills alone
    expect(f.workbook.fills('Sheet1').size).toBe(0);
  });

  it('joins several messages for one cell (a cell holds one comment)', async () => {
    const f = setUp();
    await createOfficeWorkbook().markProblems('Sheet1', [
      { row: 0, column: 0, message: 'Too long.' },
      { row: 0, column: 0, message: 'Duplicate.' },
    ]);
    expect(f.workbook.cell('Sheet1', 0, 0).comment).toBe(`${COMMENT_PREFIX}Too long.; Duplicate.`);
  });

  it('marks in batches of 500 cells per sync, with progress', async () => {
    const f = setUp();
    const many = Array.from({ length: 1_200 }, (_, i) => ({ row: i, column: 0, message: `Problem ${i}` }));
    const progress = progressRecorder();
    await createOfficeWorkbook().markProblems('Sheet1', many, progress.report);

    const markSyncs = f.syncs.filter((s) => s.operations.some((o) => o.name === 'add'));
    expect(markSyncs.map((s) => s.operations.filter((o) => o.name === 'add').length)).toEqual([500, 500, 200]);
    expect(progress.calls).toEqual([
      [0, 1_200],
      [500, 1_200],
      [1_000, 1_200],
      [1_200, 1_200],
    ]);
    expectCalculationUpToDate(f);
    for (const sync of f.syncs) expect(sync.requestBytes).toBeLessThan(DEFAULT_BUDGET_BYTES);

    f.syncs.length = 0;
    await createOfficeWorkbook().clearProblems('Sheet1');
    expect(f.workbook.comments('Sheet1')).toEqual([]);
    expect(f.workbook.fills('Sheet1').size).toBe(0);
    expectCalculationUpToDate(f);
  });

  it('works on a sheet whose name needs quoting ("Bob\'s stock")', async () => {
    const f = setUp({ sheets: ['Sheet1', "Bob's stock"] });
    await createOfficeWorkbook().markProblems("Bob's stock", [{ row: 2, column: 1, message: 'x' }]);
    expect(f.workbook.cell("Bob's stock", 2, 1)).toMatchObject({ fill: MARK_FILL, comment: `${COMMENT_PREFIX}x` });
  });

  it('fails on a missing sheet', async () => {
    setUp();
    await expect(createOfficeWorkbook().markProblems('Nope', marks)).rejects.toMatchObject({ code: 'ItemNotFound' });
  });
});

describe('selectCell', () => {
  it('activates the sheet and selects the cell', async () => {
    const f = setUp({ sheets: ['Sheet1', 'Counts'] });
    await createOfficeWorkbook().selectCell({ sheet: 'Counts', row: 4, column: 2 });
    expect(f.workbook.selection()).toEqual({ sheet: 'Counts', address: 'C5' });
  });
});

describe('writeTable', () => {
  const tricky: CellValue[] = ['=1+1', '+61', '-5x', '@x', '00123', "'quoted", 'TRUE', 'plain', 42, true];

  it('writes header and rows as data: formula-like text stays text', async () => {
    const f = setUp();
    const header = tricky.map((_, i) => `Column ${i + 1}`);
    const rows: CellValue[][] = [tricky, ['=SUM(A1:A9)', '-', '', 7, false, 'x', 'y', 'z', 0, -3]];
    await createOfficeWorkbook().writeTable('Report', header, rows);

    expect(f.workbook.sheetNames()).toEqual(['Sheet1', 'Report']);
    expect(f.workbook.values('Report', 0, 0, 3, tricky.length)).toEqual([header, ...rows]);
    expect(f.workbook.formulaWrites).toEqual([]);
    expect(f.workbook.cell('Report', 1, 0)).toEqual({ value: '=1+1', fill: null, bold: false, comment: null });
    for (let c = 0; c < header.length; c++) expect(f.workbook.cell('Report', 0, c).bold).toBe(true);
    expect(f.workbook.frozenRows('Report')).toBe(1);
    expect(f.workbook.autofitCount('Report')).toBe(1);
    expectCalculationUpToDate(f);
  });

  it('clears an existing sheet before writing, and pads short rows', async () => {
    const f = setUp({ sheets: ['Sheet1', 'Report'] });
    f.workbook.setCells(
      'Report',
      0,
      0,
      Array.from({ length: 20 }, () => ['old', 'old', 'old', 'old']),
    );
    f.workbook.setFill('Report', 15, 3, '#123456');
    await createOfficeWorkbook().writeTable('report', ['Serial', 'Bin'], [['SN1'], ['SN2', 'B1']]);

    expect(f.workbook.values('Report', 0, 0, 4, 4)).toEqual([
      ['Serial', 'Bin', '', ''],
      ['SN1', '', '', ''],
      ['SN2', 'B1', '', ''],
      ['', '', '', ''],
    ]);
    expect(f.workbook.fills('Report').size).toBe(0);
    expect(f.workbook.sheetNames()).toEqual(['Sheet1', 'Report']);
  });

  it('writes 30,000 rows in chunks under the budget, values before formats, with progress', async () => {
    const f = setUp();
    const rows: CellValue[][] = Array.from({ length: 30_000 }, (_, i) => [
      longSerial(i, 0),
      i,
      `=${i}`,
      '-'.repeat(1 + (i % 3)) + 'x'.repeat(100),
    ]);
    const progress = progressRecorder();
    await createOfficeWorkbook().writeTable('Serials', ['Serial', 'Index', 'Formula-like', 'Dashes'], rows, progress.report);

    const valueSyncs = f.syncs.filter((s) => s.operations.some((o) => o.name === 'values' && o.kind === 'set'));
    expect(valueSyncs.length).toBeGreaterThan(1);
    for (const sync of valueSyncs) {
      expect(sync.error).toBeNull();
      expect(sync.requestBytes).toBeLessThanOrEqual(DEFAULT_BUDGET_BYTES + 10_000);
    }
    const formatSync = f.syncs.findIndex((s) => s.operations.some((o) => o.name === 'bold'));
    expect(formatSync).toBeGreaterThan(valueSyncs.at(-1)!.index);
    expect(f.syncs.filter((s) => s.operations.some((o) => o.name === 'autofitColumns'))).toHaveLength(1);

    expect(f.workbook.values('Serials', 1, 0, 1, 4)).toEqual([rows[0]]);
    expect(f.workbook.values('Serials', 30_000, 0, 2, 4)).toEqual([rows[29_999], ['', '', '', '']]);
    const all = f.workbook.values('Serials', 1, 0, 30_000, 4);
    expect(all).toEqual(rows);
    expect(f.workbook.formulaWrites).toEqual([]);
    expect(progress.calls[0]).toEqual([0, 30_000]);
    expect(progress.calls.at(-1)).toEqual([30_000, 30_000]);
    expect(progress.calls).toHaveLength(valueSyncs.length + 1);
    expectCalculationUpToDate(f);
  });
});

describe('sheet properties', () => {
  it('round-trip on a sheet, keys case-insensitive, later values replacing earlier ones', async () => {
    const f = setUp({ sheets: ['Sheet1', 'Count 7'] });
    const workbook = createOfficeWorkbook();
    expect(await workbook.getSheetProperty('Count 7', 'stocksheet.stocktake')).toBeNull();
    await workbook.setSheetProperty('Count 7', 'stocksheet.stocktake', 'st_1');
    expect(await workbook.getSheetProperty('Count 7', 'stocksheet.stocktake')).toBe('st_1');
    await workbook.setSheetProperty('Count 7', 'Stocksheet.Stocktake', 'st_2');
    expect(await workbook.getSheetProperty('count 7', 'STOCKSHEET.STOCKTAKE')).toBe('st_2');
    expect(f.workbook.customProperty('Count 7', 'stocksheet.stocktake')).toBe('st_2');
    expect(await workbook.getSheetProperty('Sheet1', 'stocksheet.stocktake')).toBeNull();
  });

  it('gives null for a missing sheet, and refuses to set one there', async () => {
    setUp();
    const workbook = createOfficeWorkbook();
    expect(await workbook.getSheetProperty('Gone', 'k')).toBeNull();
    await expect(workbook.setSheetProperty('Gone', 'k', 'v')).rejects.toThrow('There is no sheet named "Gone" in this workbook.');
    await expect(workbook.setSheetProperty('Sheet1', 'k'.repeat(256), 'v')).rejects.toThrow(/1 to 255 characters/);
  });
});

describe('workbook settings', () => {
  it('round-trip and are saved with the workbook', async () => {
    const f = setUp();
    const workbook = createOfficeWorkbook();
    expect(workbook.getWorkbookSetting('serverUrl')).toBeNull();
    await workbook.setWorkbookSetting('serverUrl', 'https://stock.example');
    expect(workbook.getWorkbookSetting('serverUrl')).toBe('https://stock.example');
    expect(f.workbook.savedSetting('serverUrl')).toBe('https://stock.example');
  });

  it('rejects with a readable error when saving fails', async () => {
    const f = setUp();
    f.workbook.failNextSettingsSave('The document is read-only.');
    await expect(createOfficeWorkbook().setWorkbookSetting('serverUrl', 'https://x')).rejects.toThrow(
      'Could not save "serverUrl" in the workbook: The document is read-only..',
    );
    expect(f.workbook.savedSetting('serverUrl')).toBeNull();
  });
});

describe('the fake Excel: protection, validation and conditional formats', () => {
  it('a protected sheet takes values in unlocked cells only, and refuses formats and a second protect', async () => {
    const f = setUp();
    await f.Excel.run(async (context) => {
      const sheet = context.workbook.worksheets.getItem('Sheet1');
      sheet.getRangeByIndexes(1, 1, 2, 1).format.protection.locked = false;
      sheet.protection.protect({ allowSort: true });
      await context.sync();
      sheet.getRangeByIndexes(1, 1, 2, 1).values = [[1], [2]];
      await context.sync();
      sheet.getRangeByIndexes(1, 0, 1, 2).values = [['x', 3]];
      await expect(context.sync()).rejects.toMatchObject({ code: 'AccessDenied' });
      sheet.getRangeByIndexes(1, 1, 1, 1).format.fill.color = '#FF0000';
      await expect(context.sync()).rejects.toMatchObject({ code: 'AccessDenied' });
      sheet.protection.protect();
      await expect(context.sync()).rejects.toMatchObject({ code: 'AccessDenied' }); // office-js #6784
      const protection = sheet.protection.load('protected,options');
      await context.sync();
      expect(protection.protected).toBe(true);
      expect(protection.options).toMatchObject({ allowSort: true, allowFormatCells: false });
      sheet.protection.unprotect();
      sheet.getRangeByIndexes(1, 0, 1, 1).values = [['x']];
      await context.sync();
    });
    expect(f.workbook.values('Sheet1', 1, 0, 2, 2)).toEqual([
      ['x', 1],
      ['', 2],
    ]);
    expect(f.workbook.locked('Sheet1', 1, 1)).toBe(false);
    expect(f.workbook.locked('Sheet1', 1, 0)).toBe(true);
    expect(f.workbook.isProtected('Sheet1')).toBe(false);
  });

  it('keeps data validation per cell and conditional formats per range; clearAll cuts a range out of them', async () => {
    const f = setUp();
    await f.Excel.run(async (context) => {
      const sheet = context.workbook.worksheets.getItem('Sheet1');
      const range = sheet.getRangeByIndexes(1, 0, 10, 1);
      range.dataValidation.rule = { list: { inCellDropDown: true, source: 'a,b' } };
      range.dataValidation.errorAlert = { showAlert: true, message: 'a or b' };
      const format = range.conditionalFormats.add('CellValue');
      format.cellValue.rule = { formula1: '="a"', operator: 'EqualTo' };
      format.cellValue.format.fill.color = '#00ff00';
      await context.sync();
      sheet.getRangeByIndexes(4, 0, 2, 1).conditionalFormats.clearAll();
      sheet.getRangeByIndexes(4, 0, 2, 1).dataValidation.clear();
      await context.sync();
      format.custom.rule.formula = '=TRUE';
      await expect(context.sync()).rejects.toMatchObject({ code: 'InvalidOperation' }); // not a Custom format
      sheet.getRangeByIndexes(0, 0, 1, 1).dataValidation.rule = { wholeNumber: { formula1: 1, operator: 'GreaterThan' } } as never;
      await expect(context.sync()).rejects.toMatchObject({ code: 'NotImplemented' });
    });
    expect(f.workbook.validation('Sheet1', 1, 0)).toEqual({
      rule: { list: { inCellDropDown: true, source: 'a,b' } },
      errorAlert: { showAlert: true, message: 'a or b' },
    });
    expect(f.workbook.validation('Sheet1', 4, 0)).toBeNull();
    expect(f.workbook.validatedCells('Sheet1')).toHaveLength(8);
    expect(f.workbook.conditionalFormats('Sheet1')).toEqual([
      { address: 'A2:A4,A7:A11', type: 'CellValue', rule: { formula1: '="a"', operator: 'EqualTo' }, fill: '#00FF00', fontColor: null },
    ]);
  });
});

describe('readSheet', () => {
  it('reads a 40,000-row sheet from A1 in several syncs, none over the budget, with progress', async () => {
    const f = setUp({ sheets: ['Sheet1', 'Counts'] });
    const rows = 40_000;
    const data = Array.from({ length: rows }, (_, i) => [longSerial(i, 0), i, longSerial(i, 2)]);
    f.workbook.setCells('Counts', 0, 0, data);
    const progress = progressRecorder();

    const sheet = await createOfficeWorkbook().readSheet('Counts', progress.report);

    expect(sheet).toMatchObject({ sheet: 'Counts', address: 'A1:C40000', top: 0, left: 0 });
    expect(sheet.values).toEqual(data);
    const reads = valueLoads(f.syncs);
    expect(reads.length).toBeGreaterThanOrEqual(5);
    for (const sync of reads) expect(sync.operations.filter((o) => o.kind === 'load')).toHaveLength(1);
    for (const sync of f.syncs) {
      expect(sync.error).toBeNull();
      expect(sync.requestBytes).toBeLessThanOrEqual(DEFAULT_BUDGET_BYTES);
      expect(sync.responseBytes).toBeLessThanOrEqual(DEFAULT_BUDGET_BYTES);
    }
    expect(progress.calls[0]).toEqual([0, rows]);
    expect(progress.calls.at(-1)).toEqual([rows, rows]);
    expect(progress.calls).toHaveLength(reads.length + 1);
  });

  it('starts at A1 even when the values do not, and ignores formats past the last value', async () => {
    const f = setUp({ sheets: ['Sheet1', "Bob's count"] });
    f.workbook.setCells("Bob's count", 2, 1, [
      ['SN1', 3],
      ['SN2', ''],
    ]);
    f.workbook.setFill("Bob's count", 20, 8, '#123456');
    expect(await createOfficeWorkbook().readSheet("bob's count")).toEqual({
      sheet: "Bob's count",
      address: 'A1:C4',
      top: 0,
      left: 0,
      values: [
        ['', '', ''],
        ['', '', ''],
        ['', 'SN1', 3],
        ['', 'SN2', ''],
      ],
      text: [
        ['', '', ''],
        ['', '', ''],
        ['', 'SN1', '3'],
        ['', 'SN2', ''],
      ],
    });
  });

  it('gives no values for an empty sheet, and a readable error for a missing one', async () => {
    const f = setUp();
    const progress = progressRecorder();
    expect(await createOfficeWorkbook().readSheet('Sheet1', progress.report)).toEqual({
      sheet: 'Sheet1',
      address: 'A1',
      top: 0,
      left: 0,
      values: [],
      text: [],
    });
    expect(progress.calls).toEqual([[0, 0]]);
    expect(valueLoads(f.syncs)).toHaveLength(0);
    await expect(createOfficeWorkbook().readSheet('Gone')).rejects.toThrow('There is no sheet named "Gone" in this workbook.');
  });
});

describe('writeCells', () => {
  it('writes a block at a position as data: "=1+1" stays text; short rows leave the other cells alone', async () => {
    const f = setUp();
    f.workbook.setCells(
      'Sheet1',
      0,
      0,
      Array.from({ length: 5 }, () => ['old', 'old', 'old', 'old']),
    );
    const progress = progressRecorder();
    await createOfficeWorkbook().writeCells('Sheet1', 1, 1, [['=1+1', '+61', 7], ['00123']], progress.report);

    expect(f.workbook.values('Sheet1', 0, 0, 4, 4)).toEqual([
      ['old', 'old', 'old', 'old'],
      ['old', '=1+1', '+61', 7],
      ['old', '00123', 'old', 'old'],
      ['old', 'old', 'old', 'old'],
    ]);
    expect(f.workbook.cell('Sheet1', 1, 1).formula).toBeUndefined();
    expect(f.workbook.formulaWrites).toEqual([]);
    expect(progress.calls).toEqual([
      [0, 2],
      [2, 2],
    ]);
    expectCalculationUpToDate(f);
  });

  it('writes 30,000 rows in chunks, each request under the budget, with progress', async () => {
    const f = setUp({ sheets: ['Sheet1', 'Counts'] });
    const rows: CellValue[][] = Array.from({ length: 30_000 }, (_, i) => [longSerial(i, 0), `=${i}`, 'x'.repeat(80)]);
    const progress = progressRecorder();
    await createOfficeWorkbook().writeCells('Counts', 3, 2, rows, progress.report);

    const valueSyncs = f.syncs.filter((s) => s.operations.some((o) => o.name === 'values' && o.kind === 'set'));
    expect(valueSyncs.length).toBeGreaterThan(1);
    for (const sync of valueSyncs) {
      expect(sync.error).toBeNull();
      expect(sync.operations.filter((o) => o.name === 'values')).toHaveLength(1);
      expect(sync.requestBytes).toBeLessThanOrEqual(DEFAULT_BUDGET_BYTES + 10_000);
    }
    expect(f.workbook.values('Counts', 3, 2, 30_000, 3)).toEqual(rows);
    expect(f.workbook.values('Counts', 2, 2, 1, 3)).toEqual([['', '', '']]);
    expect(f.workbook.formulaWrites).toEqual([]);
    expect(progress.calls[0]).toEqual([0, 30_000]);
    expect(progress.calls.at(-1)).toEqual([30_000, 30_000]);
    expect(progress.calls).toHaveLength(valueSyncs.length + 1);
    expectCalculationUpToDate(f);
  });

  it('refuses text over 32,767 characters, NaN and Infinity before writing anything, naming the cell', async () => {
    const f = setUp();
    const workbook = createOfficeWorkbook();
    await expect(
      workbook.writeTable(
        'Report',
        ['Serial', 'Note'],
        [
          ['SN1', 'ok'],
          ['SN2', 'x'.repeat(40_000)],
        ],
      ),
    ).rejects.toThrow(
      'Nothing was written to "Report": cell B3 cannot be written, as its text of 40,000 characters is longer than the 32,767 a cell holds.',
    );
    await expect(workbook.writeCells('Sheet1', 4, 2, [[1, Number.NaN]])).rejects.toThrow(
      'Nothing was written to "Sheet1": cell D5 cannot be written, as NaN is not a number a cell can hold.',
    );
    await expect(workbook.writeCells('Sheet1', 0, 0, [[Number.POSITIVE_INFINITY]])).rejects.toThrow(/cell A1 .* Infinity/);
    expect(f.syncs).toEqual([]);
    expect(f.workbook.sheetNames()).toEqual(['Sheet1']);
    await workbook.writeCells('Sheet1', 0, 0, [['y'.repeat(32_767)]]);
    expect(String(f.workbook.values('Sheet1', 0, 0, 1, 1)[0]![0])).toHaveLength(32_767);
  });

  it('does nothing for no values, and fails on a missing sheet', async () => {
    const f = setUp();
    const progress = progressRecorder();
    await createOfficeWorkbook().writeCells('Sheet1', 0, 0, [], progress.report);
    expect(progress.calls).toEqual([[0, 0]]);
    expect(f.syncs).toEqual([]);
    await expect(createOfficeWorkbook().writeCells('Nope', 0, 0, [['x']])).rejects.toMatchObject({ code: 'ItemNotFound' });
  });
});

/** A count sheet: serial, bin (keys), counted quantity and condition (editable), status. */
const COUNT_HEADER = ['Serial', 'Bin', 'Counted', 'Condition', 'Status'];
const countRows = (n: number): CellValue[][] => Array.from({ length: n }, (_, i) => [`SN${i}`, `B${i % 7}`, '', '', '']);
const COUNT_LAYOUT: EntryLayout = {
  rowCount: 50,
  editable: [
    { column: 2, validation: { kind: 'decimal', min: 0 } },
    { column: 3, validation: { kind: 'list', values: ['New', 'Used', 'Damaged'] } },
  ],
  statusColumn: 4,
};

/** Writes the count sheet and lays it out, then forgets the syncs it took. */
async function layOutCountSheet(f: FakeExcel, rows = 50, layout: EntryLayout = COUNT_LAYOUT) {
  const workbook = createOfficeWorkbook();
  await workbook.writeTable('Count', COUNT_HEADER, countRows(rows));
  await workbook.formatEntrySheet('Count', layout);
  f.syncs.length = 0;
  return workbook;
}

describe('formatEntrySheet', () => {
  it('unlocks only the editable columns’ data rows, validates them, colours the status and protects the sheet', async () => {
    const f = setUp();
    const workbook = createOfficeWorkbook();
    await workbook.writeTable('Count', COUNT_HEADER, countRows(50));
    f.syncs.length = 0;
    await workbook.formatEntrySheet('Count', COUNT_LAYOUT);

    for (let column = 0; column < 5; column++) {
      expect([column, f.workbook.locked('Count', 0, column)]).toEqual([column, true]); // header
      expect([column, f.workbook.locked('Count', 51, column)]).toEqual([column, true]); // below the data
      for (const row of [1, 25, 50])
        expect([row, column, f.workbook.locked('Count', row, column)]).toEqual([row, column, column !== 2 && column !== 3]);
    }

    const decimal = {
      rule: { decimal: { formula1: 0, operator: 'GreaterThanOrEqualTo' } },
      errorAlert: expect.objectContaining({ showAlert: true, style: 'Stop' }),
    };
    const list = {
      rule: { list: { inCellDropDown: true, source: 'New,Used,Damaged' } },
      errorAlert: expect.objectContaining({ showAlert: true, style: 'Stop' }),
    };
    for (const row of [1, 50]) {
      expect(f.workbook.validation('Count', row, 2)).toEqual(decimal);
      expect(f.workbook.validation('Count', row, 3)).toEqual(list);
    }
    expect(f.workbook.validation('Count', 1, 2)!.errorAlert!.message).toBe('Enter a number greater than or equal to 0.');
    expect(f.workbook.validation('Count', 1, 3)!.errorAlert!.message).toBe('Choose one of: New, Used, Damaged.');
    expect(f.workbook.validatedCells('Count')).toHaveLength(100);
    expect(f.workbook.validation('Count', 0, 2)).toBeNull();
    expect(f.workbook.validation('Count', 51, 3)).toBeNull();

    const formats = f.workbook.conditionalFormats('Count');
    expect(formats).toHaveLength(2);
    expect(formats).toEqual(
      expect.arrayContaining([
        {
          address: 'E2:E51',
          type: 'CellValue',
          rule: { formula1: '="OK"', operator: 'EqualTo' },
          fill: STATUS_OK_FILL,
          fontColor: '#006100',
        },
        { address: 'E2:E51', type: 'Custom', rule: { formula: '=AND(E2<>"",E2<>"OK")' }, fill: STATUS_BAD_FILL, fontColor: '#9C0006' },
      ]),
    );

    expect(f.workbook.isProtected('Count')).toBe(true);
    expect(f.workbook.protectionOptions('Count')).toMatchObject({
      allowFormatColumns: true,
      allowAutoFilter: true,
      allowSort: true,
      allowFormatCells: false,
      allowInsertRows: false,
    });
    expect(f.workbook.customProperty('Count', ENTRY_LAYOUT_PROPERTY)).toBe('A1:E51');
    expect(f.syncs.every((s) => s.error === null)).toBe(true);
    expectCalculationUpToDate(f);
    expect(f.syncs.filter((s) => s.operations.some((o) => o.write))).toHaveLength(1); // the whole layout in one sync

    // What a person can now do: type into an editable cell, but not into a key or the status.
    await f.Excel.run(async (context) => {
      const sheet = context.workbook.worksheets.getItem('Count');
      sheet.getRangeByIndexes(1, 2, 1, 2).values = [[3, 'Used']];
      await context.sync();
      sheet.getRangeByIndexes(1, 0, 1, 1).values = [['SN-typed']];
      await expect(context.sync()).rejects.toMatchObject({ code: 'AccessDenied' });
      sheet.getRangeByIndexes(1, 4, 1, 1).values = [['OK']];
      await expect(context.sync()).rejects.toMatchObject({ code: 'AccessDenied' });
    });
    expect(f.workbook.values('Count', 1, 0, 1, 5)).toEqual([['SN0', 'B0', 3, 'Used', '']]);
  });

  it('lays the sheet out again cleanly: the same layout twice gives the same sheet, another replaces it', async () => {
    const f = setUp();
    const workbook = await layOutCountSheet(f);
    const snapshot = () => ({
      locked: Array.from({ length: 60 }, (_, row) => Array.from({ length: 6 }, (_, column) => f.workbook.locked('Count', row, column))),
      validated: f.workbook.validatedCells('Count').sort(),
      formats: f.workbook.conditionalFormats('Count'),
      options: f.workbook.protectionOptions('Count'),
    });
    const first = snapshot();
    await workbook.formatEntrySheet('Count', COUNT_LAYOUT);
    expect(snapshot()).toEqual(first);

    await workbook.formatEntrySheet('Count', {
      rowCount: 20,
      editable: [{ column: 1, validation: { kind: 'list', values: ['B1', 'B2'] } }],
      statusColumn: 4,
    });
    for (const row of [1, 20]) {
      expect([row, [0, 1, 2, 3, 4].map((c) => f.workbook.locked('Count', row, c))]).toEqual([row, [true, false, true, true, true]]);
    }
    for (const row of [21, 35, 50]) expect([row, [0, 1, 2, 3, 4].every((c) => f.workbook.locked('Count', row, c))]).toEqual([row, true]);
    expect(f.workbook.validatedCells('Count')).toHaveLength(20);
    expect(f.workbook.validation('Count', 5, 1)!.rule).toEqual({ list: { inCellDropDown: true, source: 'B1,B2' } });
    expect(f.workbook.validation('Count', 5, 2)).toBeNull();
    expect(f.workbook.conditionalFormats('Count').map((c) => [c.type, c.address])).toEqual(
      expect.arrayContaining([
        ['CellValue', 'E2:E21'],
        ['Custom', 'E2:E21'],
      ]),
    );
    expect(f.workbook.conditionalFormats('Count')).toHaveLength(2);
    expect(f.workbook.isProtected('Count')).toBe(true);
    expect(f.workbook.customProperty('Count', ENTRY_LAYOUT_PROPERTY)).toBe('A1:E21');
    expect(f.syncs.every((s) => s.error === null)).toBe(true);

    // Without editable columns or a status, a later layout still clears what the earlier one left.
    await workbook.formatEntrySheet('Count', { rowCount: 50, editable: [] });
    expect(f.workbook.conditionalFormats('Count')).toEqual([]);
    expect(f.workbook.validatedCells('Count')).toEqual([]);
    expect(f.workbook.locked('Count', 5, 1)).toBe(true);
    expect(f.workbook.isProtected('Count')).toBe(true);
  });

  it('unprotects a sheet a person protected before laying it out', async () => {
    const f = setUp({ sheets: ['Sheet1', 'Count'] });
    f.workbook.setCells('Count', 0, 0, [COUNT_HEADER]);
    f.workbook.protect('Count', true, { allowInsertRows: true });
    await createOfficeWorkbook().formatEntrySheet('Count', COUNT_LAYOUT);
    expect(f.workbook.protectionOptions('Count')).toMatchObject({ allowFormatColumns: true, allowInsertRows: false });
    expect(f.workbook.locked('Count', 1, 2)).toBe(false);
  });

  it('refuses a layout Excel could not hold before touching the workbook, and a missing sheet', async () => {
    const f = setUp();
    const workbook = createOfficeWorkbook();
    await expect(
      workbook.formatEntrySheet('Sheet1', { rowCount: 5, editable: [{ column: 1, validation: { kind: 'list', values: ['a,b', 'c'] } }] }),
    ).rejects.toThrow('The list of column 1 cannot hold "a,b" (blank, or with a comma).');
    await expect(
      workbook.formatEntrySheet('Sheet1', {
        rowCount: 5,
        editable: [{ column: 1, validation: { kind: 'list', values: ['x'.repeat(300)] } }],
      }),
    ).rejects.toThrow(/255/);
    await expect(workbook.formatEntrySheet('Sheet1', { rowCount: -1, editable: [] })).rejects.toThrow(RangeError);
    await expect(workbook.formatEntrySheet('Sheet1', { rowCount: 5, editable: [{ column: 1 }, { column: 1 }] })).rejects.toThrow(/twice/);
    expect(f.syncs).toEqual([]);
    await expect(workbook.formatEntrySheet('Gone', COUNT_LAYOUT)).rejects.toThrow('There is no sheet named "Gone" in this workbook.');
  });
});

describe('sheetsWithProperty', () => {
  it('finds exactly the sheets that carry the property, with their values, in two syncs', async () => {
    const f = setUp({ sheets: ['Sheet1', 'Count A', "Bob's count", 'Other'] });
    f.workbook.setCustomProperty('Count A', 'stocksheet.stocktake', 'st_1');
    f.workbook.setCustomProperty("Bob's count", 'Stocksheet.Stocktake', 'st_2');
    f.workbook.setCustomProperty('Other', 'stocksheet.somethingElse', 'st_1');
    const workbook = createOfficeWorkbook();

    expect(await workbook.sheetsWithProperty('stocksheet.stocktake')).toEqual([
      { sheet: 'Count A', value: 'st_1' },
      { sheet: "Bob's count", value: 'st_2' },
    ]);
    expect(f.syncs).toHaveLength(2);
    expect(f.syncs[1]!.operations.filter((o) => o.kind === 'load')).toHaveLength(4 * 2); // isNullObject and value, per sheet
    expect(await workbook.sheetsWithProperty('nobody.has.this')).toEqual([]);
  });
});

describe('writes on a sheet laid out by formatEntrySheet', () => {
  const protectionCalls = (syncs: SyncRecord[]) =>
    ops(syncs)
      .filter((o) => o.name === 'protect' || o.name === 'unprotect')
      .map((o) => o.name);

  it('writeCells, markProblems and clearProblems lift the protection for their writes and put it back', async () => {
    const f = setUp();
    const workbook = await layOutCountSheet(f);
    const options = f.workbook.protectionOptions('Count');

    await workbook.writeCells('Count', 1, 4, [['OK'], ['=missing']]);
    expect(f.workbook.values('Count', 1, 4, 2, 1)).toEqual([['OK'], ['=missing']]);
    expect(f.workbook.formulaWrites).toEqual([]);
    expect(protectionCalls(f.syncs)).toEqual(['unprotect', 'protect']);
    expect(f.workbook.protectionOptions('Count')).toEqual(options);
    expectCalculationUpToDate(f);

    f.syncs.length = 0;
    await workbook.markProblems('Count', [{ row: 2, column: 0, message: 'Not on the stocktake.' }]);
    expect(f.workbook.cell('Count', 2, 0)).toMatchObject({ fill: MARK_FILL, comment: `${COMMENT_PREFIX}Not on the stocktake.` });
    expect(protectionCalls(f.syncs)).toEqual(['unprotect', 'protect']);
    expect(f.workbook.protectionOptions('Count')).toEqual(options);
    expectCalculationUpToDate(f);

    f.syncs.length = 0;
    await workbook.clearProblems('Count');
    expect(f.workbook.cell('Count', 2, 0)).toMatchObject({ fill: null, comment: null });
    expect(f.workbook.protectionOptions('Count')).toEqual(options);
    expectCalculationUpToDate(f);

    // The layout itself is untouched by those writes.
    expect(f.workbook.locked('Count', 1, 2)).toBe(false);
    expect(f.workbook.conditionalFormats('Count')).toHaveLength(2);
    expect(f.syncs.every((s) => s.error === null)).toBe(true);
  });

  it('protects it again with its own options, though Excel reports them with nulls protect() refuses (office-js #1931)', async () => {
    const f = setUp();
    const workbook = await layOutCountSheet(f);
    const options = f.workbook.protectionOptions('Count');
    await workbook.writeCells('Count', 1, 4, [['OK']]);
    await workbook.markProblems('Count', [{ row: 1, column: 0, message: 'Counted twice.' }]);
    expect(f.workbook.isProtected('Count')).toBe(true);
    expect(f.workbook.protectionOptions('Count')).toEqual(options);
    expect(f.syncs.every((s) => s.error === null)).toBe(true);
  });

  it('takes sheet properties while it stays protected (a protected sheet refuses them)', async () => {
    const f = setUp();
    const workbook = await layOutCountSheet(f);
    await workbook.setSheetProperty('Count', 'stocksheet.sheetKey', 'bay-7');
    expect(await workbook.getSheetProperty('Count', 'stocksheet.sheetKey')).toBe('bay-7');
    expect(f.workbook.isProtected('Count')).toBe(true);
    expect(protectionCalls(f.syncs)).toEqual(['unprotect', 'protect']);
  });

  it('writeTable rewrites it and leaves it protected (every cell locked until laid out again)', async () => {
    const f = setUp();
    const workbook = await layOutCountSheet(f);
    await workbook.writeTable('Count', COUNT_HEADER, countRows(10));
    expect(f.workbook.values('Count', 0, 0, 2, 2)).toEqual([
      ['Serial', 'Bin'],
      ['SN0', 'B0'],
    ]);
    expect(f.workbook.values('Count', 11, 0, 1, 2)).toEqual([['', '']]);
    expect(f.workbook.isProtected('Count')).toBe(true);
    expect(f.workbook.locked('Count', 1, 2)).toBe(true);
    expect(protectionCalls(f.syncs)).toEqual(['unprotect', 'protect']);
    expectCalculationUpToDate(f);

    await workbook.formatEntrySheet('Count', { ...COUNT_LAYOUT, rowCount: 10 });
    expect(f.workbook.locked('Count', 1, 2)).toBe(false);
    expect(f.workbook.validatedCells('Count')).toHaveLength(20);
  });

  it('protects the sheet again when the write fails', async () => {
    const f = setUp();
    const workbook = await layOutCountSheet(f);
    await expect(workbook.writeCells('Count', 1_048_575, 0, [['a'], ['b']])).rejects.toMatchObject({ code: 'InvalidArgument' });
    expect(f.workbook.isProtected('Count')).toBe(true);
    expect(protectionCalls(f.syncs)).toEqual(['unprotect', 'protect']);
  });

  it('leaves a sheet a person protected as it is: the write is refused', async () => {
    const f = setUp();
    f.workbook.setCells('Sheet1', 0, 0, [['a']]);
    f.workbook.protect('Sheet1');
    await expect(createOfficeWorkbook().writeCells('Sheet1', 0, 0, [['b']])).rejects.toMatchObject({ code: 'AccessDenied' });
    await expect(createOfficeWorkbook().writeTable('Sheet1', ['b'], [])).rejects.toMatchObject({ code: 'AccessDenied' });
    expect(protectionCalls(f.syncs)).toEqual([]);
    expect(f.workbook.values('Sheet1', 0, 0, 1, 1)).toEqual([['a']]);
    expect(f.workbook.isProtected('Sheet1')).toBe(true);
  });
});

describe('openWorkbook', () => {
  it('opens the workbook on ExcelApi 1.12 or later, and says what is needed on an older Excel', async () => {
    setUp({ excelApi: '1.13' });
    expect(await openWorkbook()).not.toBeNull();
    setUp({ excelApi: '1.9' }); // 1.9 is below 1.12, though 1.9 > 1.12 as decimal numbers
    await expect(openWorkbook()).rejects.toThrow('This version of Excel is too old for Stocksheet: it needs ExcelApi 1.12');
  });
});
