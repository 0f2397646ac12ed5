/**
 * What the database columns can hold, in one place. Every bound on an id, a quantity, a cost or a
 * rate is derived from its column's type (prisma/schema.prisma), so a value the input schemas
 * accept is one the database stores: nothing reaches PostgreSQL only to fail there with a 500.
 * A number that comes from two inputs (a cost times a rate, a stock level plus an adjustment) is
 * checked where both are known, with `checkFits`.
 */
import { DomainError } from './errors.ts';

/** Ids, cursors and line numbers are `int4` columns. */
export const MAX_ID = 2_147_483_647;

/** `numeric(precision, scale)`: values below 10^(precision - scale) once rounded to `scale` places. */
export interface NumericColumn {
  precision: number;
  scale: number;
  /** What the column holds, for messages ("a quantity", "a unit cost"). */
  what: string;
}

/** Quantities: stock levels, ordered, received, shipped and counted quantities (numeric(18,4)). */
export const QUANTITY_COLUMN: NumericColumn = { precision: 18, scale: 4, what: 'a quantity' };
/**
 * One quantity entered (adjusted, ordered, received, counted) is at most this either way: a hundredth
 * of what a quantity column holds. Sums of entries (a stock level) are checked where they are made.
 */
export const MAX_QUANTITY_ENTRY = 1e12;
/** Unit costs and prices, in base or order currency, and the average cost (numeric(18,6)). */
export const MONEY_COLUMN: NumericColumn = { precision: 18, scale: 6, what: 'a unit cost or price' };
/** Exchange rates (numeric(18,8)). */
export const RATE_COLUMN: NumericColumn = { precision: 18, scale: 8, what: 'an exchange rate' };

/** The first value the column cannot hold (values must stay below it). */
export function columnLimit(column: NumericColumn): number {
  return 10 ** (column.precision - column.scale);
}

/** The smallest positive value the column keeps (anything smaller is stored as zero). */
export function columnStep(column: NumericColumn): number {
  return 10 ** -column.scale;
}

/** Whether n, rounded as the column rounds it, fits the column. */
export function fitsColumn(n: number, column: NumericColumn): boolean {
  if (!Number.isFinite(n)) return false;
  const factor = 10 ** column.scale;
  return Math.abs(Math.round(n * factor) / factor) < columnLimit(column);
}

/** 1000000 -> "1,000,000"; keeps decimals ("0.00000001"). */
export function formatLimit(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n.toLocaleString('en-US', { maximumFractionDigits: 20 });
}

/** "must be less than 1,000,000,000,000 (the most a unit cost or price can be)". */
export function limitSentence(column: NumericColumn): string {
  return `must be less than ${formatLimit(columnLimit(column))} (the most ${column.what} can be)`;
}

/**
 * Refuses a computed number its column cannot hold, before anything is written. `what` names the
 * number ("The stock of W-1 at Main after this adjustment"), `fix` says what to do instead.
 */
export function checkFits(n: number, column: NumericColumn, what: string, fix: string): void {
  if (!fitsColumn(n, column)) throw tooLarge(n, column, what, fix);
}

/** The refusal of a number its column cannot hold, for a check made elsewhere (in SQL). */
export function tooLarge(n: number, column: NumericColumn, what: string, fix: string): DomainError {
  return new DomainError(
    'NUMBER_TOO_LARGE',
    `${what} would be ${formatLimit(n)}, but ${column.what} must be less than ${formatLimit(columnLimit(column))}; ${fix}.`,
  );
}
