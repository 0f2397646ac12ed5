import { MONEY_COLUMN } from './limits.ts';

const COST_SCALE = 10 ** MONEY_COLUMN.scale;

/** Unit costs are stored as numeric(18,6): every computed cost is rounded to those six places, here. */
export function roundUnitCost(n: number): number {
  return Math.round(n * COST_SCALE) / COST_SCALE;
}

/** Weighted average cost after receiving `quantity` at `unitCost` on top of `onHand` at `average`. */
export function weightedAverageCost(onHand: number, average: number, quantity: number, unitCost: number): number {
  const total = Math.max(onHand, 0) + quantity;
  if (total <= 0) return average;
  const value = Math.max(onHand, 0) * average + quantity * unitCost;
  return roundUnitCost(value / total);
}
