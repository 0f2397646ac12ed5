// The few formulas the fake Excel (fake-excel.ts) calculates: those over a column of an Excel table
// by a structured reference, which follow the table as it grows and shrinks (the point of a table):
//   =SUM(Table[Column]), =COUNT(...), =COUNTA(...), =AVERAGE(...), =MIN(...), =MAX(...),
//   =SUBTOTAL(n, Table[Column]) with n = 1..5 or 101..105 / 9 or 109 (rows hidden by a filter are
//   not modelled, so 1xx and x are alike), and `[Column]` alone inside a table (its totals row).
// Table and column names are compared case-insensitively, as Excel does; in a column name the
// characters [ ] # ' are escaped with a leading ' (Excel's rule). A reference to a table or column
// that does not exist is #REF! (what Excel shows once a table a formula used is deleted: the
// reference itself becomes #REF!). Every other formula is not calculated: its cell reads back as the
// formula's text, as before. Pure, no Node imports (the browser tests bundle it with the fake).

import type { FakeValue } from './fake-excel-typing.ts';

/** What a formula can read: a table column's body values, or null when there is no such table or column. */
export interface TableColumnLookup {
  /** `table` null: the table holding the formula's cell (an unqualified `[Column]`). */
  columnValues(table: string | null, column: string): FakeValue[] | null;
}

const NAME = String.raw`[A-Za-z_\\][A-Za-z0-9_.\\]*`;
/** A column name inside brackets: any character but [ ] # ', or one of them escaped with '. */
const COLUMN = String.raw`(?:'.|[^\[\]#'])+`;
const REFERENCE = String.raw`(${NAME})?\[(${COLUMN})\]`;
const AGGREGATE = new RegExp(String.raw`^=\s*(SUM|COUNT|COUNTA|AVERAGE|MIN|MAX)\(\s*${REFERENCE}\s*\)\s*$`, 'i');
const SUBTOTAL = new RegExp(String.raw`^=\s*SUBTOTAL\(\s*(\d+)\s*,\s*${REFERENCE}\s*\)\s*$`, 'i');
const SUBTOTAL_FUNCTIONS: Record<number, string> = { 1: 'AVERAGE', 2: 'COUNT', 3: 'COUNTA', 4: 'MAX', 5: 'MIN', 9: 'SUM' };

/** A column name as it goes inside the brackets of a structured reference ("Qty [kg]" → "Qty '[kg']"). */
export function escapeColumnName(name: string): string {
  return name.replace(/['[\]#]/g, (c) => `'${c}`);
}

const unescapeColumn = (text: string) => text.replace(/'(.)/g, '$1');

function aggregate(fn: string, values: FakeValue[]): FakeValue {
  const numbers = values.filter((v): v is number => typeof v === 'number');
  switch (fn) {
    case 'SUM':
      return numbers.reduce((sum, n) => sum + n, 0);
    case 'COUNT':
      return numbers.length;
    case 'COUNTA':
      return values.filter((v) => v !== '').length;
    case 'AVERAGE':
      return numbers.length === 0 ? '#DIV/0!' : numbers.reduce((sum, n) => sum + n, 0) / numbers.length;
    case 'MIN':
      return numbers.length === 0 ? 0 : Math.min(...numbers);
    case 'MAX':
      return numbers.length === 0 ? 0 : Math.max(...numbers);
  }
  return '#NAME?';
}

/**
 * The value of a formula over a table column, or undefined for a formula the fake does not
 * calculate (its cell then shows the formula's text).
 */
export function evaluateTableFormula(formula: string, lookup: TableColumnLookup): FakeValue | undefined {
  if (/#REF!/i.test(formula)) return '#REF!';
  let fn: string | undefined;
  let table: string | undefined;
  let column: string | undefined;
  const plain = AGGREGATE.exec(formula);
  if (plain) [, fn, table, column] = plain;
  const subtotal = plain ? null : SUBTOTAL.exec(formula);
  if (subtotal) {
    const code = Number(subtotal[1]);
    fn = SUBTOTAL_FUNCTIONS[code > 100 ? code - 100 : code];
    if (!fn) return '#VALUE!';
    [, , table, column] = subtotal;
  }
  if (!fn || column === undefined) return undefined;
  const values = lookup.columnValues(table ?? null, unescapeColumn(column));
  return values === null ? '#REF!' : aggregate(fn.toUpperCase(), values);
}

/** `Name[...]` references (with nested brackets and ' escapes) to the table `name`, case-insensitively. */
function referencesTo(name: string): RegExp {
  const escaped = name.replace(/[.\\]/g, (c) => `\\${c}`);
  return new RegExp(String.raw`(?<![A-Za-z0-9_.\\])${escaped}\[(?:'.|[^\[\]']|\[(?:'.|[^\[\]'])*\])*\]`, 'gi');
}

/** The formula with its references to table `from` renamed to `to` (Excel follows a table's renaming). */
export function renameTableReferences(formula: string, from: string, to: string): string {
  return formula.replace(referencesTo(from), (reference) => `${to}${reference.slice(from.length)}`);
}

/** The formula with its references to table `name` made #REF! (as Excel does when the table is deleted). */
export function breakTableReferences(formula: string, name: string): string {
  return formula.replace(referencesTo(name), '#REF!');
}

/** Whether the formula refers to the table `name`. */
export function refersToTable(formula: string, name: string): boolean {
  return referencesTo(name).test(formula);
}
