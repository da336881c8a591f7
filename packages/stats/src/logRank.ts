import { chiSquareSurvival } from '@fedrad/numeric';
import { InvalidParameterError } from './errors.js';
import { type Scores } from './inputs.js';
import { toSurvival } from './survivalInputs.js';

export interface LogRankTest {
  chiSquare: number;
  df: number;
  pValue: number;
  observed: [number, number];
  expected: [number, number];
}

/**
 * Two-group log-rank test (Mantel 1966; Peto & Peto 1972), as R's survdiff(rho = 0): at each
 * distinct event time, E₁ += d·n₁/n and V += d·(n₁/n)(1 − n₁/n)(n − d)/(n − 1);
 * χ² = (O₁ − E₁)²/V on 1 df.
 */
export function logRank(time: Scores, event: ArrayLike<number | boolean>, group: ArrayLike<number | boolean>): LogRankTest {
  const { time: t, event: e } = toSurvival(time, event);
  const n = t.length;
  const g = Uint8Array.from({ length: n }, (_, i) => (group[i] ? 1 : 0));
  let n1 = 0;
  for (let i = 0; i < n; i++) n1 += g[i];
  if (n1 === 0 || n1 === n) throw new InvalidParameterError('risk groups', `${n1} of ${n} patients in the high-risk group`, 'patients in both groups (check the risk cut-off)');
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => t[a] - t[b]);
  let atRisk = n;
  let atRisk1 = n1;
  let o1 = 0;
  let e1 = 0;
  let deathsTotal = 0;
  let variance = 0;
  for (let k = 0; k < n; ) {
    let end = k;
    let d = 0;
    let d1 = 0;
    let leaving1 = 0;
    while (end < n && t[order[end]] === t[order[k]]) {
      const i = order[end++];
      d += e[i];
      d1 += e[i] & g[i];
      leaving1 += g[i];
    }
    if (d > 0) {
      const share = atRisk1 / atRisk;
      o1 += d1;
      e1 += d * share;
      deathsTotal += d;
      if (atRisk > 1) variance += (d * share * (1 - share) * (atRisk - d)) / (atRisk - 1);
    }
    atRisk -= end - k;
    atRisk1 -= leaving1;
    k = end;
  }
  const chiSquare = (o1 - e1) ** 2 / variance;
  return {
    chiSquare,
    df: 1,
    pValue: chiSquareSurvival(chiSquare, 1),
    observed: [deathsTotal - o1, o1],
    expected: [deathsTotal - e1, e1],
  };
}
