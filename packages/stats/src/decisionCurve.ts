import { InvalidParameterError } from './errors.js';
import { toLabels, toScores, type Labels, type Scores } from './inputs.js';

export interface DecisionCurvePoint {
  threshold: number;
  model: number;
  treatAll: number;
  treatNone: number;
}

/** Default grid of threshold probabilities 0.01, 0.02, …, 0.99. */
export function defaultThresholdGrid(step = 0.01): number[] {
  const out: number[] = [];
  for (let k = 1; k * step < 1 - 1e-9; k++) out.push(Math.round(k * step * 1e6) / 1e6);
  return out;
}

/**
 * Net benefit at each threshold probability pₜ (Vickers & Elkin 2006, Med Decis Making 26:565):
 * treating patients with p ≥ pₜ gives NB = TP/n − FP/n · pₜ/(1 − pₜ). Returned as a statistic of
 * patient multiplicities (all 1 for the curve itself, bootstrap counts for its CI): the patients are
 * sorted once and each threshold's called-positive set is a suffix of that order.
 */
export function netBenefitStatistic(p: Float64Array, y: Uint8Array, thresholds: readonly number[]): (counts: ArrayLike<number>, out: number[]) => void {
  const n = p.length;
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => p[a] - p[b]);
  const start = thresholds.map((pt) => {
    if (!(pt > 0 && pt < 1)) throw new InvalidParameterError('decision-curve threshold', pt, 'a probability strictly between 0 and 1');
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (p[order[mid]] < pt) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  });
  const tpFrom = new Float64Array(n + 1); // weighted events among order[k..n-1]
  const allFrom = new Float64Array(n + 1); // weighted patients among order[k..n-1]
  return (counts, out) => {
    for (let k = n - 1; k >= 0; k--) {
      const i = order[k];
      tpFrom[k] = tpFrom[k + 1] + counts[i] * y[i];
      allFrom[k] = allFrom[k + 1] + counts[i];
    }
    const total = allFrom[0];
    thresholds.forEach((pt, t) => {
      const tp = tpFrom[start[t]];
      const fp = allFrom[start[t]] - tp;
      out.push(tp / total - (fp / total) * (pt / (1 - pt)));
    });
  };
}

/**
 * Decision curve analysis (Vickers & Elkin 2006): net benefit of the model (see
 * netBenefitStatistic), of treat-all NB = π − (1 − π)·pₜ/(1 − pₜ) (π the prevalence) and of
 * treat-none NB = 0, over a grid of threshold probabilities.
 */
export function decisionCurve(probabilities: Scores, labels: Labels, thresholds: readonly number[] = defaultThresholdGrid()): DecisionCurvePoint[] {
  const p = toScores(probabilities, 'predicted probability');
  const y = toLabels(labels, p.length);
  const model: number[] = [];
  netBenefitStatistic(p, y, thresholds)(new Int32Array(p.length).fill(1), model);
  let events = 0;
  for (let i = 0; i < y.length; i++) events += y[i];
  const prevalence = events / p.length;
  return thresholds.map((pt, k) => ({ threshold: pt, model: model[k], treatAll: prevalence - (1 - prevalence) * (pt / (1 - pt)), treatNone: 0 }));
}
