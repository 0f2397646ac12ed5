/** Unit costs are stored as numeric(18,6): every computed cost is rounded to six places, here. */
export function roundUnitCost(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

/** Weighted average cost after receiving `quantity` at `unitCost` on top of `onHand` at `average`. */
export function weightedAverageCost(onHand: number, average: number, quantity: number, unitCost: number): number {
  const total = Math.max(onHand, 0) + quantity;
  if (total <= 0) return average;
  const value = Math.max(onHand, 0) * average + quantity * unitCost;
  return roundUnitCost(value / total);
}
