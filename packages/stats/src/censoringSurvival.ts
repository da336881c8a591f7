/**
 * The Kaplan–Meier estimate of the censoring distribution G(t) = P(C > t) (censorings counted as
 * the events; a censoring tied with deaths happens after them, as in R survival and
 * scikit-survival), read at the given times: right-continuous (G(t), censorings at t included)
 * or as the left limit G(t−). The weights of the IPCW estimators (Uno et al. 2007; Graf et al. 1999).
 */
export function censoringSurvival(time: Float64Array, event: Uint8Array, at: ArrayLike<number>, leftLimit = false, rowWeight?: ArrayLike<number>): Float64Array {
  const n = time.length;
  const w = (i: number) => (rowWeight ? rowWeight[i] : 1);
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => time[a] - time[b]);
  const steps: number[] = [];
  const values: number[] = [];
  let atRisk = 0;
  for (let i = 0; i < n; i++) atRisk += w(i);
  let g = 1;
  for (let k = 0; k < n; ) {
    let end = k;
    let censored = 0;
    let deaths = 0;
    while (end < n && time[order[end]] === time[order[k]]) {
      if (event[order[end]]) deaths += w(order[end]);
      else censored += w(order[end]);
      end++;
    }
    if (censored > 0 && atRisk > deaths) {
      g *= 1 - censored / (atRisk - deaths);
      steps.push(time[order[k]]);
      values.push(g);
    }
    atRisk -= censored + deaths;
    k = end;
  }
  return Float64Array.from(at, (t) => {
    let j = -1;
    while (j + 1 < steps.length && (leftLimit ? steps[j + 1] < t : steps[j + 1] <= t)) j++;
    return j < 0 ? 1 : values[j];
  });
}
