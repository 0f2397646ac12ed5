// Values the add-in writes into cells are data, never formulas, and only what a cell can hold.
// Writing `range.values` is like typing: Excel reads "=1+1", "+61", "-5x" and "@x" as formulas (formula injection when the text came
// from someone else). A leading apostrophe tells Excel "this is text": Excel stores the text without
// it (the apostrophe is only shown in the formula bar), so reading the cell back gives the original.
// Pure.

import { cellAddress } from './addresses.ts';
import type { CellValue } from './port.ts';

/** What Excel would read as the start of a formula. */
const FORMULA_START = /^[=+\-@]/;

/**
 * Text Excel would silently turn into something else, losing what was written: numbers with leading
 * zeros ("000123" → 123), dates and times ("1/2", "12-3", "10:30", "Jan 5"), booleans, error values,
 * and a leading apostrophe (which Excel would eat). Serial numbers are exactly this kind of text, so
 * they are protected too. Deliberately broad: a needless apostrophe is invisible in the cell.
 */
const CONVERTIBLE = [
  /^'/,
  /^\s/, // leading space or tab: Excel may trim it and read a number
  /^[\d.,(]/, // numbers, decimals, dates, times, "(5)" accounting negatives
  /^[$€£¥]\s*[\d.]/, // currency amounts
  /^(true|false)$/i,
  /^#(null!|div\/0!|value!|ref!|name\?|num!|n\/a|getting_data|spill!|calc!|field!|blocked!|connect!|busy!|unknown!)$/i,
  /^(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*[\s\-/.,]*\d/i, // "Jan 5", "March-2024"
];

/** True when `text` must be written with a leading apostrophe to stay exactly that text. */
export function needsTextPrefix(text: string): boolean {
  return FORMULA_START.test(text) || CONVERTIBLE.some((pattern) => pattern.test(text));
}

/**
 * A value ready for `range.values`: text that Excel would read as a formula (or convert) gets a
 * leading apostrophe so it is stored as that text; numbers, booleans and other text are unchanged.
 */
export function asCellText(value: CellValue): CellValue {
  return typeof value === 'string' && needsTextPrefix(value) ? `'${value}` : value;
}

/** Excel's limit for the text of one cell. */
export const MAX_CELL_TEXT = 32_767;

/**
 * Why Excel cannot hold `value` as it is, or null. Text over 32,767 characters would be refused or
 * cut; NaN and Infinity have no JSON form, so Office.js would send null, which leaves the cell as it
 * was: either way the sheet would silently show something else.
 */
export function cellValueProblem(value: CellValue): string | null {
  if (typeof value === 'number' && !Number.isFinite(value)) return `${value} is not a number a cell can hold`;
  if (typeof value === 'string' && value.length > MAX_CELL_TEXT) {
    return `its text of ${value.length.toLocaleString('en-US')} characters is longer than the ${MAX_CELL_TEXT.toLocaleString('en-US')} a cell holds`;
  }
  return null;
}

/**
 * Refuses a block of values before anything is written when a cell could not hold its value,
 * naming the first such cell (0-based `top` and `left`: the block's first cell in `sheet`).
 */
export function checkCellValues(sheet: string, top: number, left: number, rows: ReadonlyArray<ReadonlyArray<CellValue>>): void {
  rows.forEach((row, r) =>
    row.forEach((value, c) => {
      const problem = cellValueProblem(value);
      if (problem)
        throw new RangeError(`Nothing was written to "${sheet}": cell ${cellAddress(top + r, left + c)} cannot be written, as ${problem}.`);
    }),
  );
}
