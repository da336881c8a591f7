import { zCritical } from '@fedrad/numeric';
import { checkLevel, type Scores } from './inputs.js';
import { toSurvival } from './survivalInputs.js';

export interface KaplanMeierPoint {
  time: number;
  survival: number;
  /** Greenwood standard error of S(t): S(t)·√Σ d/(n(n − d)). */
  stdErr: number;
  lower: number;
  upper: number;
  atRisk: number;
}

/**
 * Kaplan–Meier product-limit estimate (Kaplan & Meier 1958) read at chosen times, with
 * Greenwood's variance and the log-transformed CI exp(log S ± z·√Σ d/(n(n−d))) — the
 * defaults of R's survfit/summary(times = …, extend = TRUE). `atRisk` is the number with
 * follow-up ≥ t. Reporting on a fixed time grid keeps patients' own times at the site.
 */
export function kaplanMeier(time: Scores, event: ArrayLike<number | boolean>, times: readonly number[], level = 0.95): KaplanMeierPoint[] {
  checkLevel(level);
  const { time: t, event: e } = toSurvival(time, event);
  const n = t.length;
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => t[a] - t[b]);
  // Distinct event times with their S and Greenwood sum after the step.
  const stepTimes: number[] = [];
  const stepS: number[] = [];
  const stepG: number[] = [];
  let atRisk = n;
  let s = 1;
  let greenwood = 0;
  for (let k = 0; k < n; ) {
    let end = k;
    let deaths = 0;
    while (end < n && t[order[end]] === t[order[k]]) deaths += e[order[end++]];
    if (deaths > 0) {
      s *= 1 - deaths / atRisk;
      greenwood += atRisk > deaths ? deaths / (atRisk * (atRisk - deaths)) : Infinity;
      stepTimes.push(t[order[k]]);
      stepS.push(s);
      stepG.push(greenwood);
    }
    atRisk -= end - k;
    k = end;
  }
  const sortedTimes = Float64Array.from(t).sort();
  const z = zCritical(level);
  return times.map((at) => {
    let j = -1;
    while (j + 1 < stepTimes.length && stepTimes[j + 1] <= at) j++;
    const surv = j < 0 ? 1 : stepS[j];
    const g = j < 0 ? 0 : stepG[j];
    let below = 0;
    while (below < n && sortedTimes[below] < at) below++;
    const se = Math.sqrt(g);
    return {
      time: at,
      survival: surv,
      stdErr: surv * se,
      lower: surv > 0 ? surv * Math.exp(-z * se) : NaN,
      upper: surv > 0 ? Math.min(1, surv * Math.exp(z * se)) : NaN,
      atRisk: n - below,
    };
  });
}
