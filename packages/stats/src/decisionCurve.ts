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
 * Decision curve analysis (Vickers & Elkin 2006, Med Decis Making 26:565): at threshold
 * probability pₜ, treating patients with p ≥ pₜ has net benefit
 *   NB = TP/n − FP/n · pₜ/(1 − pₜ);
 * treat-all has NB = π − (1 − π)·pₜ/(1 − pₜ) (π the prevalence) and treat-none NB = 0.
 */
export function decisionCurve(probabilities: Scores, labels: Labels, thresholds: readonly number[] = defaultThresholdGrid()): DecisionCurvePoint[] {
  const p = toScores(probabilities, 'predicted probability');
  const y = toLabels(labels, p.length);
  const n = p.length;
  // Sort once; for each threshold the called-positive set is a suffix of the sorted order.
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => p[a] - p[b]);
  const cumEvents = new Float64Array(n + 1); // events among order[k..n-1]
  for (let k = n - 1; k >= 0; k--) cumEvents[k] = cumEvents[k + 1] + y[order[k]];
  const prevalence = cumEvents[0] / n;
  return thresholds.map((pt) => {
    if (!(pt > 0 && pt < 1)) throw new InvalidParameterError('decision-curve threshold', pt, 'a probability strictly between 0 and 1');
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (p[order[mid]] < pt) lo = mid + 1;
      else hi = mid;
    }
    const tp = cumEvents[lo];
    const fp = n - lo - tp;
    const odds = pt / (1 - pt);
    return { threshold: pt, model: tp / n - (fp / n) * odds, treatAll: prevalence - (1 - prevalence) * odds, treatNone: 0 };
  });
}
