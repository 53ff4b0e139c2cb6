/**
 * Tier cut points of `difficulty/tier`. A score (higher = harder) falls in tier k when it is at least
 * cut k−1 and below cut k: the first tier takes scores below the first cut, the last tier scores at
 * or above the last cut. A score equal to a cut point goes to the harder tier.
 *
 * Quantile cuts are read off the sorted scores: the cut for fraction q is the score at 0-based
 * position round(q × n) (clamped to the last row). Rows with equal scores therefore always share a
 * tier, whatever their order, so tiers are only as equal as the ties allow (a tier may be empty when
 * one score covers more than its share); the step's note shows the sizes.
 */

/** Equal-count cut fractions for `tiers` tiers: 1/k, 2/k, …, (k−1)/k. */
export function equalQuantiles(tiers: number): number[] {
  return Array.from({ length: tiers - 1 }, (_, index) => (index + 1) / tiers);
}

/** 0-based positions in the ascending scores whose values are the quantile cuts. */
export function quantilePositions(fractions: readonly number[], rows: number): number[] {
  return fractions.map((fraction) => Math.min(rows - 1, Math.max(0, Math.round(fraction * rows))));
}
