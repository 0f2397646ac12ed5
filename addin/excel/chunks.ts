// Chunk planning for big reads and writes. Excel on the web refuses a request or a response over
// 5 MB, so a large range is read or written a block of rows at a time, each block under a budget
// that leaves room for the rest of the request; a block Excel still refuses as too large is split
// and tried again (inShrinkingChunks). Pure: no Office.js calls.

import type { CellValue } from './port.ts';

/** Bytes one request may spend on cell data: under the 5 MB limit, with room for everything else. */
export const DEFAULT_BUDGET_BYTES = 4_000_000;
/** A cautious guess of one cell's size in a response when its contents are not known yet. */
export const DEFAULT_BYTES_PER_CELL = 256;

/** Rows `rowOffset` .. `rowOffset + rowCount - 1` of a range (offsets relative to its first row). */
export interface RowChunk {
  rowOffset: number;
  rowCount: number;
}

export interface RowChunkOptions {
  budgetBytes?: number;
  bytesPerCell?: number;
}

function checkCount(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${what} must be a whole number ≥ 0, not ${value}.`);
}

function checkPositive(what: string, value: number): void {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${what} must be a positive number, not ${value}.`);
}

/**
 * Blocks of whole rows for reading a `rowCount` × `columnCount` range whose contents are not known
 * yet: each block's `rowCount * columnCount * bytesPerCell` stays within the budget. Every block has
 * at least one row, so a single row wider than the budget still gets a block of its own.
 */
export function planRowChunks(rowCount: number, columnCount: number, options: RowChunkOptions = {}): RowChunk[] {
  const { budgetBytes = DEFAULT_BUDGET_BYTES, bytesPerCell = DEFAULT_BYTES_PER_CELL } = options;
  checkCount('rowCount', rowCount);
  checkCount('columnCount', columnCount);
  checkPositive('budgetBytes', budgetBytes);
  checkPositive('bytesPerCell', bytesPerCell);
  const rowBytes = Math.max(1, columnCount) * bytesPerCell;
  const rowsPerChunk = Math.max(1, Math.floor(budgetBytes / rowBytes));
  const chunks: RowChunk[] = [];
  for (let rowOffset = 0; rowOffset < rowCount; rowOffset += rowsPerChunk) {
    chunks.push({ rowOffset, rowCount: Math.min(rowsPerChunk, rowCount - rowOffset) });
  }
  return chunks;
}

/** UTF-8 length of a string without allocating (lone surrogates count as 3, as TextEncoder writes U+FFFD). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

export interface ByteBatchOptions {
  /** Bytes every batch spends whatever it holds (e.g. the "[" and "]" of a JSON array). */
  baseBytes?: number;
  /** Bytes between two items (e.g. the "," of a JSON array). */
  separatorBytes?: number;
  /** Items per batch at most. */
  maxItems?: number;
}

/**
 * Consecutive batches of items whose sizes (`sizes[i]` bytes each), with the base and separators,
 * stay within the budget, each as full as the budget and `maxItems` allow. An item bigger than the
 * budget still gets a batch of its own.
 */
export function planByteBatches(sizes: readonly number[], budgetBytes: number, options: ByteBatchOptions = {}): RowChunk[] {
  const { baseBytes = 0, separatorBytes = 0, maxItems = Infinity } = options;
  checkPositive('budgetBytes', budgetBytes);
  if (!(maxItems >= 1)) throw new RangeError(`maxItems must be at least 1, not ${maxItems}.`);
  const chunks: RowChunk[] = [];
  let start = 0;
  let bytes = baseBytes;
  for (let i = 0; i < sizes.length; i++) {
    const separator = i > start ? separatorBytes : 0;
    const full = i - start >= maxItems || bytes + separator + sizes[i]! > budgetBytes;
    if (i > start && full) {
      chunks.push({ rowOffset: start, rowCount: i - start });
      start = i;
      bytes = baseBytes + sizes[i]!;
    } else {
      bytes += separator + sizes[i]!;
    }
  }
  if (sizes.length > start) chunks.push({ rowOffset: start, rowCount: sizes.length - start });
  return chunks;
}

/**
 * Blocks of whole rows for writing `rows`, measured: each block's `JSON.stringify(values)` (in UTF-8
 * bytes) stays within the budget. A single row bigger than the budget still gets a block of its own.
 * (`null`, which leaves a cell as it is, is measured like any value.)
 */
export function planWriteChunks(
  rows: ReadonlyArray<ReadonlyArray<CellValue | null>>,
  budgetBytes: number = DEFAULT_BUDGET_BYTES,
): RowChunk[] {
  return planByteBatches(
    rows.map((row) => utf8Length(JSON.stringify(row))),
    budgetBytes,
    { baseBytes: 2, separatorBytes: 1 }, // the enclosing "[" and "]", the "," between rows
  );
}

/**
 * Error codes that may mean "this request or its response was too big": the two payload codes, and
 * GeneralException, with which Excel on the web has answered oversized requests and responses
 * (office-js-docs #1247, office-js #2564).
 */
const MAYBE_TOO_LARGE = new Set(['RequestPayloadSizeLimitExceeded', 'ResponsePayloadSizeLimitExceeded', 'GeneralException']);

/** True for an Office.js error that may mean the request or its response was too big. */
export function mayBeTooLarge(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && MAYBE_TOO_LARGE.has(code);
}

/**
 * Runs `attempt` on each chunk in order. A chunk of more than one row whose attempt fails with an
 * error that may mean "too large" (mayBeTooLarge) is split in two halves, tried in its place; a
 * single row that still fails, or any other error, is thrown. `attempt` must be safe to repeat on
 * rows it may have half done (writing the same values again is).
 */
export async function inShrinkingChunks(chunks: RowChunk[], attempt: (chunk: RowChunk) => Promise<void>): Promise<void> {
  const pending = [...chunks];
  while (pending.length > 0) {
    const chunk = pending.shift()!;
    try {
      await attempt(chunk);
    } catch (error) {
      if (chunk.rowCount === 1 || !mayBeTooLarge(error)) throw error;
      const half = Math.ceil(chunk.rowCount / 2);
      pending.unshift(
        { rowOffset: chunk.rowOffset, rowCount: half },
        { rowOffset: chunk.rowOffset + half, rowCount: chunk.rowCount - half },
      );
    }
  }
}
