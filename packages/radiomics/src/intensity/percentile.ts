/**
 * Sample percentile with linear interpolation between order statistics (Hyndman & Fan type 7,
 * the default of numpy and R). IBSI 1 leaves the estimator open; type 7 reproduces every
 * phantom percentile (P10 = 1, P90 = 4, where other estimators give 4.2, as IBSI notes).
 */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}
