// The port against Excel's request limits, as the fake measures them (not as the port plans them):
// blocks Excel refuses as too big are split and sent again, whether Excel says so with its payload
// codes or, as Excel on the web has, with a generic error.
import { describe, expect, it } from 'vitest';
import { COMMENT_PREFIX, FILL_ONLY_PROPERTY, MARK_FILL } from '../../addin/excel/office-marks.ts';
import { createOfficeWorkbook } from '../../addin/excel/office-workbook.ts';
import type { CellValue } from '../../addin/excel/port.ts';
import { useFakeExcel } from '../support/fake-excel-tests.ts';

const setUp = useFakeExcel();

/** Rows of about 1 KB: the port's 4 MB budget puts some 4,000 of them in one request. */
const wideRows = (n: number): CellValue[][] => Array.from({ length: n }, (_, i) => [`SN-${String(i).padStart(6, '0')}`, 'x'.repeat(1_000)]);

describe('blocks Excel refuses as too big', () => {
  for (const oversizedError of ['payload', 'generic'] as const) {
    it(`are written again in halves until Excel takes them (${oversizedError} error)`, async () => {
      const limit = 1_000_000;
      const f = setUp({ payloadLimitBytes: limit, oversizedError });
      const rows = wideRows(6_000);
      const progress: number[] = [];
      await createOfficeWorkbook().writeCells('Sheet1', 0, 0, rows, (done) => progress.push(done));

      expect(f.workbook.values('Sheet1', 0, 0, rows.length, 2)).toEqual(rows);
      const refused = f.syncs.filter((s) => s.error);
      expect(refused.length).toBeGreaterThan(0);
      for (const sync of refused) expect(sync.error).toMatch(oversizedError === 'generic' ? /^GeneralException/ : /^RequestPayloadSize/);
      for (const sync of f.syncs.filter((s) => !s.error)) expect(sync.requestBytes).toBeLessThanOrEqual(limit);
      expect(progress.at(-1)).toBe(rows.length);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
    });
  }

  it('are read again in halves when Excel on the web answers an oversized response with a generic error', async () => {
    const f = setUp({ oversizedError: 'generic' });
    const data = Array.from({ length: 3_000 }, (_, i) => [`${i}:${'z'.repeat(2_000)}`, `${i}`]);
    f.workbook.setCells('Sheet1', 0, 0, data);
    f.workbook.select('Sheet1', 'A1:B3000');
    const selection = await createOfficeWorkbook().readSelection();
    expect(selection.values).toEqual(data);
    expect(f.syncs.filter((s) => s.error).length).toBeGreaterThan(0);
    for (const sync of f.syncs.filter((s) => s.error)) expect(sync.error).toMatch(/^GeneralException/);
  });

  it('end in the error when a single row is still too big, the rows before it written', async () => {
    const f = setUp({ payloadLimitBytes: 100_000, oversizedError: 'generic' });
    // Row 3 is 128 KB of UTF-8 (two cells of 32,000 two-byte characters): over the limit on its own.
    const rows: CellValue[][] = [
      ['SN-1', 'a'],
      ['SN-2', 'b'],
      ['SN-3', 'é'.repeat(32_000), 'ü'.repeat(32_000)],
      ['SN-4', 'd'],
    ];
    await expect(createOfficeWorkbook().writeCells('Sheet1', 0, 0, rows)).rejects.toMatchObject({ code: 'GeneralException' });
    expect(f.workbook.values('Sheet1', 0, 0, 2, 2)).toEqual([
      ['SN-1', 'a'],
      ['SN-2', 'b'],
    ]);
  });
});

describe('problem marks within the limits', () => {
  const message = (i: number, run: string) =>
    `Serial SN-${String(i).padStart(8, '0')} is already in stock at Main warehouse, bay ${i % 97} (${run} check).`;

  it('clears 30,000 marks of an earlier check and marks 30,000 cells again, no request or response over the limit', async () => {
    const f = setUp();
    for (let i = 0; i < 30_000; i++) {
      f.workbook.addComment('Sheet1', i, 0, COMMENT_PREFIX + message(i, 'first'), 'Stocksheet');
      f.workbook.setFill('Sheet1', i, 0, MARK_FILL);
    }
    const marks = Array.from({ length: 30_000 }, (_, i) => ({ row: i, column: 0, message: message(i, 'second') }));
    await createOfficeWorkbook().markProblems('Sheet1', marks);

    expect(f.syncs.filter((s) => s.error)).toEqual([]);
    for (const sync of f.syncs) {
      expect(sync.requestBytes).toBeLessThanOrEqual(5_000_000);
      expect(sync.responseBytes).toBeLessThanOrEqual(5_000_000);
    }
    const comments = f.workbook.comments('Sheet1');
    expect(comments).toHaveLength(30_000);
    expect(comments.every((c) => c.content === COMMENT_PREFIX + message(c.row, 'second'))).toBe(true);
    expect(f.workbook.fills('Sheet1').size).toBe(30_000);
  });

  it('sizes batches of marks by their messages: long messages go fewer to a request, each cell still gets its comment', async () => {
    const f = setUp();
    const marks = Array.from({ length: 600 }, (_, i) => ({ row: i, column: 1, message: `Problem ${i}: ${'detail '.repeat(1_500)}` }));
    await createOfficeWorkbook().markProblems('Sheet1', marks);

    expect(f.syncs.filter((s) => s.error)).toEqual([]);
    for (const sync of f.syncs) expect(sync.requestBytes).toBeLessThanOrEqual(5_000_000);
    for (const mark of marks) expect(f.workbook.cell('Sheet1', mark.row, 1).comment).toBe(COMMENT_PREFIX + mark.message);
    expect(f.workbook.customProperty('Sheet1', FILL_ONLY_PROPERTY)).toBeNull();
  });
});
