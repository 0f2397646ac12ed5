import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BUDGET_BYTES,
  DEFAULT_BYTES_PER_CELL,
  planRowChunks,
  planByteBatches,
  planWriteChunks,
  utf8Length,
  type RowChunk,
} from '../../addin/excel/chunks.ts';
import type { CellValue } from '../../addin/excel/port.ts';

/** The chunks cover rows 0..total-1 once each, in order, with no empty chunk. */
function expectCovers(chunks: RowChunk[], total: number) {
  let next = 0;
  for (const chunk of chunks) {
    expect(chunk.rowOffset).toBe(next);
    expect(chunk.rowCount).toBeGreaterThanOrEqual(1);
    next += chunk.rowCount;
  }
  expect(next).toBe(total);
}

describe('planRowChunks', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_BUDGET_BYTES).toBe(4_000_000);
    expect(DEFAULT_BYTES_PER_CELL).toBe(256);
  });

  it('keeps each chunk within the budget and covers every row', () => {
    for (const [rows, columns] of [
      [50_000, 2],
      [1_048_576, 1],
      [10, 16_384],
      [7_812, 2],
      [7_813, 2],
      [1, 1],
    ] as const) {
      const chunks = planRowChunks(rows, columns);
      expectCovers(chunks, rows);
      for (const chunk of chunks) {
        if (chunk.rowCount > 1) expect(chunk.rowCount * columns * DEFAULT_BYTES_PER_CELL).toBeLessThanOrEqual(DEFAULT_BUDGET_BYTES);
      }
    }
  });

  it('uses as few chunks as the budget allows', () => {
    // 4,000,000 / (2 × 256) = 7,812.5 → 7,812 rows per chunk.
    expect(planRowChunks(50_000, 2).map((c) => c.rowCount)).toEqual([7812, 7812, 7812, 7812, 7812, 7812, 3128]);
    expect(planRowChunks(7_812, 2)).toEqual([{ rowOffset: 0, rowCount: 7_812 }]);
    expect(planRowChunks(100, 3, { budgetBytes: 300, bytesPerCell: 10 })).toHaveLength(10);
  });

  it('gives a row wider than the budget a chunk of its own', () => {
    expect(planRowChunks(3, 16_384, { budgetBytes: 1000 })).toEqual([
      { rowOffset: 0, rowCount: 1 },
      { rowOffset: 1, rowCount: 1 },
      { rowOffset: 2, rowCount: 1 },
    ]);
  });

  it('plans nothing for nothing', () => {
    expect(planRowChunks(0, 5)).toEqual([]);
    expect(planRowChunks(3, 0)).toEqual([{ rowOffset: 0, rowCount: 3 }]);
  });

  it('refuses nonsense sizes', () => {
    expect(() => planRowChunks(-1, 2)).toThrow(RangeError);
    expect(() => planRowChunks(1.5, 2)).toThrow(RangeError);
    expect(() => planRowChunks(10, 2, { budgetBytes: 0 })).toThrow(/budgetBytes/);
    expect(() => planRowChunks(10, 2, { bytesPerCell: Number.NaN })).toThrow(/bytesPerCell/);
  });
});

describe('utf8Length', () => {
  it('counts bytes as TextEncoder does', () => {
    const encoder = new TextEncoder();
    for (const text of ['', 'abc', 'é', '€', '𝄞', 'SN-0001 ✓ 日本', '\ud800x', 'x\udc00']) {
      expect(utf8Length(text)).toBe(encoder.encode(text).length);
    }
  });
});

describe('planWriteChunks', () => {
  const json = (rows: CellValue[][]) => utf8Length(JSON.stringify(rows));

  it('keeps the JSON of every chunk within the budget', () => {
    const rows: CellValue[][] = Array.from({ length: 2_000 }, (_, i) => [
      `SN-${String(i).padStart(6, '0')}`,
      i,
      i % 2 === 0,
      'é€𝄞'.repeat(i % 7),
    ]);
    for (const budget of [200, 1_000, 10_000, 64_000]) {
      const chunks = planWriteChunks(rows, budget);
      expectCovers(chunks, rows.length);
      for (const { rowOffset, rowCount } of chunks) {
        expect(json(rows.slice(rowOffset, rowOffset + rowCount))).toBeLessThanOrEqual(budget);
      }
    }
  });

  it('fills each chunk as far as the budget allows', () => {
    const rows: CellValue[][] = Array.from({ length: 500 }, (_, i) => [`row ${i}`, 'x'.repeat(i % 40)]);
    const budget = 2_000;
    const chunks = planWriteChunks(rows, budget);
    for (const { rowOffset, rowCount } of chunks.slice(0, -1)) {
      // One more row would have gone over.
      expect(json(rows.slice(rowOffset, rowOffset + rowCount + 1))).toBeGreaterThan(budget);
    }
  });

  it('measures exactly at the boundary', () => {
    const rows: CellValue[][] = [['ab'], ['cd'], ['ef']]; // each row is ["ab"] = 6 bytes
    expect(json(rows.slice(0, 2))).toBe(15);
    expect(planWriteChunks(rows, 15)).toEqual([
      { rowOffset: 0, rowCount: 2 },
      { rowOffset: 2, rowCount: 1 },
    ]);
    expect(planWriteChunks(rows, 14).map((c) => c.rowCount)).toEqual([1, 1, 1]);
    expect(planWriteChunks(rows, json(rows))).toEqual([{ rowOffset: 0, rowCount: 3 }]);
  });

  it('counts JSON escapes and multi-byte characters', () => {
    const rows: CellValue[][] = [['"\\\n'], ['日本語']];
    expect(planWriteChunks(rows, json(rows) - 1)).toHaveLength(2);
    expect(planWriteChunks(rows, json(rows))).toHaveLength(1);
  });

  it('gives a row bigger than the budget a chunk of its own', () => {
    const rows: CellValue[][] = [['a'], ['x'.repeat(500)], ['b'], ['c']];
    expect(planWriteChunks(rows, 100)).toEqual([
      { rowOffset: 0, rowCount: 1 },
      { rowOffset: 1, rowCount: 1 },
      { rowOffset: 2, rowCount: 2 },
    ]);
  });

  it('plans nothing for no rows and uses the default budget', () => {
    expect(planWriteChunks([])).toEqual([]);
    const rows: CellValue[][] = Array.from({ length: 20_000 }, (_, i) => [`SN-${i}`, 'y'.repeat(400)]);
    const chunks = planWriteChunks(rows);
    expect(chunks.length).toBeGreaterThan(1);
    for (const { rowOffset, rowCount } of chunks) expect(json(rows.slice(rowOffset, rowOffset + rowCount))).toBeLessThanOrEqual(4_000_000);
    expect(() => planWriteChunks(rows, -5)).toThrow(RangeError);
  });
});

describe('planByteBatches', () => {
  it('fills each batch up to the budget or the item cap, whichever comes first; a big item goes alone', () => {
    expect(planByteBatches([10, 10, 10, 10, 10], 25)).toEqual([
      { rowOffset: 0, rowCount: 2 },
      { rowOffset: 2, rowCount: 2 },
      { rowOffset: 4, rowCount: 1 },
    ]);
    expect(planByteBatches([1, 1, 1, 1, 1], 1_000, { maxItems: 2 }).map((c) => c.rowCount)).toEqual([2, 2, 1]);
    expect(planByteBatches([5, 50, 5], 20).map((c) => c.rowCount)).toEqual([1, 1, 1]);
    expect(planByteBatches([], 20)).toEqual([]);
  });
});
