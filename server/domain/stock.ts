/** Weighted average cost after receiving `quantity` at `unitCost` on top of `onHand` at `average`. */
export function weightedAverageCost(onHand: number, average: number, quantity: number, unitCost: number): number {
  const total = Math.max(onHand, 0) + quantity;
  if (total <= 0) return average;
  const value = Math.max(onHand, 0) * average + quantity * unitCost;
  return Math.round((value / total) * 1e6) / 1e6;
}
