import { QUANTITY_COLUMN } from './limits.ts';

/**
 * Quantities are stored as numeric(18,4): four decimal places. JavaScript numbers add 0.1 + 0.2 to
 * 0.30000000000000004, so every sum and comparison of quantities goes through these, which round
 * to the stored precision first. One rule, one tolerance, everywhere.
 */
export const QUANTITY_DECIMALS = QUANTITY_COLUMN.scale;
const SCALE = 10 ** QUANTITY_DECIMALS;

/** n rounded to the four decimal places a quantity column holds. */
export function roundQuantity(n: number): number {
  return Math.round(n * SCALE) / SCALE;
}

/** The sum of some quantities, as the database would store it. */
export function sumQuantities<T>(items: readonly T[], quantityOf: (item: T) => number): number {
  return roundQuantity(items.reduce((sum, item) => sum + quantityOf(item), 0));
}

/** Whether n has no more decimal places than a quantity column holds. */
export function fitsQuantityPrecision(n: number): boolean {
  return Math.abs(Math.round(n * SCALE) - n * SCALE) < 1e-6;
}

/** a and b are the same quantity once stored. */
export function sameQuantity(a: number, b: number): boolean {
  return roundQuantity(a) === roundQuantity(b);
}

/** a is less than b once both are stored. */
export function lessQuantity(a: number, b: number): boolean {
  return roundQuantity(a) < roundQuantity(b);
}
