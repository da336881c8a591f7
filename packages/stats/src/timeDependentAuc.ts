import { OneClassError } from './errors.js';
import { censoringSurvival } from './censoringSurvival.js';

/**
 * Cumulative/dynamic time-dependent AUC at a horizon t with Uno's inverse-probability-of-censoring
 * weights (Uno, Cai, Tian & Wei 2007, J Am Stat Assoc 102:527; Hung & Chiang 2010, eq. 2.3):
 *   AUC(t) = Σ_i Σ_j w_i 1(T_i ≤ t, δ_i = 1) 1(T_j > t) [1(r_i > r_j) + ½ 1(r_i = r_j)]
 *            / (Σ_i w_i 1(T_i ≤ t, δ_i = 1) · Σ_j 1(T_j > t)),      w_i = 1 / Ĝ(T_i)
 * cases: events by t; controls: still event-free after t (their common weight 1/Ĝ(t) cancels).
 * Ĝ is the Kaplan–Meier estimate of the censoring distribution on the same patients, as
 * scikit-survival's cumulative_dynamic_auc computes it when the test set is also its training set.
 * O(n log n): the controls' risks are sorted once and each case counts those below it.
 */
export function cumulativeDynamicAuc(time: Float64Array, event: Uint8Array, risk: Float64Array, horizon: number, rowWeight?: ArrayLike<number>): number {
  const n = time.length;
  const cases: number[] = [];
  const controls: number[] = [];
  for (let i = 0; i < n; i++) {
    if ((rowWeight ? rowWeight[i] : 1) === 0) continue;
    if (time[i] <= horizon && event[i]) cases.push(i);
    else if (time[i] > horizon) controls.push(i);
  }
  if (cases.length === 0 || controls.length === 0) throw new OneClassError(`time-dependent AUC at ${horizon} (${cases.length} events by then, ${controls.length} patients event-free after it)`, cases.length, n);
  const g = censoringSurvival(time, event, Float64Array.from(cases, (i) => time[i]), false, rowWeight);
  const sorted = controls.map((j) => ({ r: risk[j], w: rowWeight ? rowWeight[j] : 1 })).sort((a, b) => a.r - b.r);
  const cumulative = new Float64Array(sorted.length + 1);
  sorted.forEach((c, k) => (cumulative[k + 1] = cumulative[k] + c.w));
  const countBelow = (r: number, strict: boolean) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (strict ? sorted[mid].r < r : sorted[mid].r <= r) lo = mid + 1;
      else hi = mid;
    }
    return cumulative[lo];
  };
  let numerator = 0;
  let caseWeight = 0;
  cases.forEach((i, k) => {
    const w = (rowWeight ? rowWeight[i] : 1) / g[k];
    const below = countBelow(risk[i], true);
    const tied = countBelow(risk[i], false) - below;
    numerator += w * (below + 0.5 * tied);
    caseWeight += w;
  });
  return numerator / (caseWeight * cumulative[sorted.length]);
}
