// A1 addresses: column letters, cell and range addresses, sheet-qualified addresses. Pure.
// Indexes are 0-based everywhere (as Office.js `rowIndex` / `columnIndex`); A1 text is 1-based.

/** Excel's grid: 1,048,576 rows by 16,384 columns (A..XFD). */
export const MAX_ROWS = 1_048_576;
export const MAX_COLUMNS = 16_384;

/** A rectangle of cells by 0-based indexes. */
export interface GridArea {
  top: number;
  left: number;
  rowCount: number;
  columnCount: number;
}

/** A parsed range address: the sheet when the address names one, else null. */
export interface ParsedRange extends GridArea {
  sheet: string | null;
}

function checkIndex(what: string, value: number, limit: number): void {
  if (!Number.isInteger(value) || value < 0 || value >= limit) {
    throw new RangeError(`${what} ${value} is outside Excel's grid (0 to ${limit - 1}).`);
  }
}

function checkCount(what: string, start: number, count: number, limit: number): void {
  if (!Number.isInteger(count) || count < 1 || start + count > limit) {
    throw new RangeError(`${what} ${count} from index ${start} does not fit Excel's grid (at most ${limit}).`);
  }
}

/** 0 → "A", 25 → "Z", 26 → "AA", 16383 → "XFD". */
export function columnName(index0: number): string {
  checkIndex('Column index', index0, MAX_COLUMNS);
  let name = '';
  for (let n = index0 + 1; n > 0; n = Math.floor((n - 1) / 26)) {
    name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  }
  return name;
}

/** "A" → 0, "AA" → 26, "XFD" → 16383 (case-insensitive). */
export function columnIndex(name: string): number {
  if (!/^[A-Za-z]{1,3}$/.test(name)) throw new RangeError(`"${name}" is not a column name (A to XFD).`);
  let n = 0;
  for (const letter of name.toUpperCase()) n = n * 26 + (letter.charCodeAt(0) - 64);
  checkIndex(`Column "${name}" (index`, n - 1, MAX_COLUMNS);
  return n - 1;
}

/** (1, 1) → "B2". */
export function cellAddress(row0: number, column0: number): string {
  checkIndex('Row index', row0, MAX_ROWS);
  return `${columnName(column0)}${row0 + 1}`;
}

/** (1, 1, 699, 3) → "B2:D700"; a single cell → "B2". */
export function rangeAddress(top: number, left: number, rowCount: number, columnCount: number): string {
  checkIndex('Row index', top, MAX_ROWS);
  checkIndex('Column index', left, MAX_COLUMNS);
  checkCount('Row count', top, rowCount, MAX_ROWS);
  checkCount('Column count', left, columnCount, MAX_COLUMNS);
  const first = cellAddress(top, left);
  if (rowCount === 1 && columnCount === 1) return first;
  return `${first}:${cellAddress(top + rowCount - 1, left + columnCount - 1)}`;
}

/**
 * A sheet name as it goes before "!" in an address: always quoted, quotes inside doubled.
 * ("My sheet" → "'My sheet'", "Bob's" → "'Bob''s'"). Quoting is valid for every name, so callers
 * never need to know which names Excel would leave bare.
 */
export function quoteSheetName(name: string): string {
  if (name === '') throw new RangeError('A sheet name cannot be empty.');
  return `'${name.replaceAll("'", "''")}'`;
}

/** "'My sheet'!B2:D7" from a sheet name and an address without a sheet. */
export function qualifiedAddress(sheet: string, address: string): string {
  return `${quoteSheetName(sheet)}!${address}`;
}

const CELL = /^\$?([A-Za-z]{1,3})\$?(\d{1,7})$/;

function parseCell(text: string, whole: string): { row: number; column: number } {
  const match = CELL.exec(text);
  if (!match) throw new RangeError(`"${whole}" is not a cell or range address like B2 or B2:D700.`);
  const row = Number(match[2]) - 1;
  checkIndex(`Row ${match[2]} in "${whole}" (index`, row, MAX_ROWS);
  return { row, column: columnIndex(match[1]!) };
}

/** Splits "Sheet1!B2", "'My sheet'!B2" or "B2" into the sheet (or null) and the rest. */
function splitSheet(address: string): { sheet: string | null; rest: string } {
  if (address.startsWith("'")) {
    let sheet = '';
    let i = 1;
    for (;;) {
      const quote = address.indexOf("'", i);
      if (quote < 0) throw new RangeError(`"${address}" has a sheet name without its closing quote.`);
      sheet += address.slice(i, quote);
      if (address[quote + 1] === "'") {
        sheet += "'";
        i = quote + 2;
        continue;
      }
      if (address[quote + 1] !== '!') throw new RangeError(`"${address}" needs "!" after the quoted sheet name.`);
      if (sheet === '') throw new RangeError(`"${address}" has an empty sheet name.`);
      return { sheet, rest: address.slice(quote + 2) };
    }
  }
  const bang = address.lastIndexOf('!');
  if (bang < 0) return { sheet: null, rest: address };
  if (bang === 0) throw new RangeError(`"${address}" has an empty sheet name.`);
  return { sheet: address.slice(0, bang), rest: address.slice(bang + 1) };
}

/**
 * "Sheet1!B2:D700", "'My sheet'!B2" or "B2:D7" → sheet (or null) and the 0-based rectangle.
 * "$" markers are accepted; corners may come in any order. Whole rows or columns ("A:A", "2:2")
 * and multi-area addresses are not accepted.
 */
export function parseRangeAddress(address: string): ParsedRange {
  const { sheet, rest } = splitSheet(address.trim());
  const parts = rest.split(':');
  if (parts.length > 2) throw new RangeError(`"${address}" is not a cell or range address like B2 or B2:D700.`);
  const a = parseCell(parts[0]!, address);
  const b = parts.length === 2 ? parseCell(parts[1]!, address) : a;
  const top = Math.min(a.row, b.row);
  const left = Math.min(a.column, b.column);
  return {
    sheet,
    top,
    left,
    rowCount: Math.abs(a.row - b.row) + 1,
    columnCount: Math.abs(a.column - b.column) + 1,
  };
}

/** The cells two rectangles share, or null when they do not overlap. */
export function intersectAreas(a: GridArea, b: GridArea): GridArea | null {
  const top = Math.max(a.top, b.top);
  const left = Math.max(a.left, b.left);
  const bottom = Math.min(a.top + a.rowCount, b.top + b.rowCount);
  const right = Math.min(a.left + a.columnCount, b.left + b.columnCount);
  if (bottom <= top || right <= left) return null;
  return { top, left, rowCount: bottom - top, columnCount: right - left };
}
