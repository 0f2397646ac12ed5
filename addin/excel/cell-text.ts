// Values the add-in writes into cells are data, never formulas. Writing `range.values` is like
// typing: Excel reads "=1+1", "+61", "-5x" and "@x" as formulas (formula injection when the text came
// from someone else). A leading apostrophe tells Excel "this is text": Excel stores the text without
// it (the apostrophe is only shown in the formula bar), so reading the cell back gives the original.
// Pure.

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
