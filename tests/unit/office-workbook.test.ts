import { afterEach, describe, expect, it } from 'vitest';
import { asCellText, needsTextPrefix } from '../../addin/excel/cell-text.ts';
import { DEFAULT_BUDGET_BYTES } from '../../addin/excel/chunks.ts';
import { COMMENT_PREFIX, FILL_ONLY_PROPERTY, MARK_FILL, createOfficeWorkbook } from '../../addin/excel/office-workbook.ts';
import type { CellValue } from '../../addin/excel/port.ts';
import { createFakeExcel, type FakeExcel, type FakeExcelOptions, type FakeValue, type SyncRecord } from '../support/fake-excel.ts';

let fake: FakeExcel | null = null;
let uninstall: (() => void) | null = null;

/** A fresh fake workbook installed as the `Excel` and `Office` globals. */
function setUp(options?: FakeExcelOptions): FakeExcel {
  fake = createFakeExcel(options);
  uninstall = fake.install(globalThis);
  return fake;
}

afterEach(() => {
  uninstall?.();
  uninstall = null;
  if (fake) {
    // The fake throws on every property read without load + sync; none may have happened (even one
    // the code under test caught and ignored), and the port syncs everything it queues itself.
    expect(fake.notLoadedReads).toEqual([]);
    expect(fake.syncs.filter((s) => s.final)).toEqual([]);
  }
  fake = null;
});

const ops = (syncs: SyncRecord[]) => syncs.flatMap((s) => s.operations);
const writesOf = (syncs: SyncRecord[]) => ops(syncs).filter((o) => o.write && o.ran);
const valueLoads = (syncs: SyncRecord[]) => syncs.filter((s) => s.operations.some((o) => o.kind === 'load' && o.name === 'values'));

/** Every change to the workbook ran with events off and calculation suspended. */
function expectQuietWrites(syncs: SyncRecord[]) {
  const writes = writesOf(syncs);
  expect(writes.length).toBeGreaterThan(0);
  for (const write of writes) {
    expect({ op: `${write.target}.${write.name}`, eventsEnabled: write.eventsEnabled }).toEqual({ op: `${write.target}.${write.name}`, eventsEnabled: false });
    expect(write.calculationSuspended).toBe(true);
  }
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
    for (const text of ['00123', '1/2', '12-3', '10:30', '1e5', '5%', '(5)', '$5', 'TRUE', 'false', '#N/A', "'quoted", ' 42', 'Jan 5', 'March-2024']) {
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
    });
  });

  it('reads only the filled part of a whole-column selection', async () => {
    const f = setUp();
    f.workbook.setCells('Sheet1', 2, 0, [['SN1'], ['SN2'], ['SN3']]);
    f.workbook.setCells('Sheet1', 9, 3, [['elsewhere']]);
    f.workbook.select('Sheet1', 'A1:A1048576');
    const selection = await createOfficeWorkbook().readSelection();
    expect(selection).toEqual({ sheet: 'Sheet1', address: 'A3:A10', top: 2, left: 0, values: [['SN1'], ['SN2'], ['SN3'], [''], [''], [''], [''], ['']] });
    expect(valueLoads(f.syncs)).toHaveLength(1);
  });

  it('gives no values for a selection with nothing in it', async () => {
    const f = setUp();
    f.workbook.setCells('Sheet1', 0, 0, [['far away']]);
    f.workbook.select('Sheet1', 'C3:D4');
    expect(await createOfficeWorkbook().readSelection()).toEqual({ sheet: 'Sheet1', address: 'C3:D4', top: 2, left: 2, values: [] });
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
    f.workbook.setCells('Sheet1', 0, 0, Array.from({ length: 10 }, (_, i) => [`SN${i}`, `SN${i + 10}`]));
    const progress = progressRecorder();
    await createOfficeWorkbook().markProblems('Sheet1', marks, progress.report);

    for (const mark of marks) {
      expect(f.workbook.cell('Sheet1', mark.row, mark.column)).toMatchObject({ fill: MARK_FILL, comment: COMMENT_PREFIX + mark.message });
    }
    expect(f.workbook.fills('Sheet1').size).toBe(3);
    expect(f.workbook.comments('Sheet1')).toHaveLength(3);
    expect(f.workbook.cell('Sheet1', 0, 0)).toMatchObject({ value: 'SN0', fill: null, comment: null });
    expect(progress.calls.at(-1)).toEqual([3, 3]);
    expectQuietWrites(f.syncs);
    expect(f.workbook.eventsEnabled()).toBe(true);
  });

  it('clears the earlier marks first, so only current problems show', async () => {
    const f = setUp();
    const workbook = createOfficeWorkbook();
    await workbook.markProblems('Sheet1', marks);
    await workbook.markProblems('Sheet1', [{ row: 4, column: 0, message: 'Now something else.' }, { row: 9, column: 3, message: 'New.' }]);

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
    expect(f.workbook.eventsEnabled()).toBe(true);
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
    expectQuietWrites(f.syncs);

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
    expectQuietWrites(f.syncs);
  });

  it('gives up with the first error when even fills fail (a protected sheet), events back on', async () => {
    const f = setUp();
    f.workbook.protect('Sheet1');
    await expect(createOfficeWorkbook().markProblems('Sheet1', marks)).rejects.toMatchObject({
      code: 'AccessDenied',
      message: 'The sheet "Sheet1" is protected.',
    });
    expect(f.syncs.filter((s) => s.error)).toHaveLength(2); // the batch, then its fills alone
    expect(f.workbook.fills('Sheet1').size).toBe(0);
    expect(f.workbook.eventsEnabled()).toBe(true);
  });

  it('joins several messages for one cell (a cell holds one comment)', async () => {
    const f = setUp();
    await createOfficeWorkbook().markProblems('Sheet1', [
      { row: 0, column: 0, message: 'Too long.' },
      { row: 0, column: 0, message: 'Duplicate.' },
    ]);
    expect(f.workbook.cell('Sheet1', 0, 0).comment).toBe(`${COMMENT_PREFIX}Too long.; Duplicate.`);
  });

  it('marks in batches of 500 cells per sync, quietly, with progress', async () => {
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
    expectQuietWrites(f.syncs);
    for (const sync of f.syncs) expect(sync.requestBytes).toBeLessThan(DEFAULT_BUDGET_BYTES);

    f.syncs.length = 0;
    await createOfficeWorkbook().clearProblems('Sheet1');
    expect(f.workbook.comments('Sheet1')).toEqual([]);
    expect(f.workbook.fills('Sheet1').size).toBe(0);
    expectQuietWrites(f.syncs);
    expect(f.workbook.eventsEnabled()).toBe(true);
  });

  it("works on a sheet whose name needs quoting (\"Bob's stock\")", async () => {
    const f = setUp({ sheets: ['Sheet1', "Bob's stock"] });
    await createOfficeWorkbook().markProblems("Bob's stock", [{ row: 2, column: 1, message: 'x' }]);
    expect(f.workbook.cell("Bob's stock", 2, 1)).toMatchObject({ fill: MARK_FILL, comment: `${COMMENT_PREFIX}x` });
  });

  it('fails on a missing sheet, and turns events back on', async () => {
    const f = setUp();
    await expect(createOfficeWorkbook().markProblems('Nope', marks)).rejects.toMatchObject({ code: 'ItemNotFound' });
    expect(f.workbook.eventsEnabled()).toBe(true);
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
    expectQuietWrites(f.syncs);
    expect(f.workbook.eventsEnabled()).toBe(true);
  });

  it('clears an existing sheet before writing, and pads short rows', async () => {
    const f = setUp({ sheets: ['Sheet1', 'Report'] });
    f.workbook.setCells('Report', 0, 0, Array.from({ length: 20 }, () => ['old', 'old', 'old', 'old']));
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
    const rows: CellValue[][] = Array.from({ length: 30_000 }, (_, i) => [longSerial(i, 0), i, `=${i}`, '-'.repeat(1 + (i % 3)) + 'x'.repeat(100)]);
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
    expectQuietWrites(f.syncs);
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
