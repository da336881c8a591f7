import { splitByClass, toLabels, toScores, type Labels, type Scores } from './inputs.js';

export interface RocGridPoint {
  falsePositiveRate: number;
  truePositiveRate: number;
}

/**
 * Empirical ROC curve reported on a fixed false-positive-rate grid (vertical sampling,
 * Fawcett 2006 §8): at each grid FPR f, the highest TPR reached by a threshold whose FPR ≤ f.
 * A fixed grid carries no patient's score, so the curve may leave a site.
 */
export function rocCurve(scores: Scores, labels: Labels, gridSize = 101): RocGridPoint[] {
  const s = toScores(scores);
  const { cases, controls } = splitByClass(s, toLabels(labels, s.length), 'ROC curve');
  const pos = Float64Array.from(cases).sort().reverse();
  const neg = Float64Array.from(controls).sort().reverse();
  // Walk thresholds from high to low; each distinct score adds its cases and controls at once.
  const fprs: number[] = [0];
  const tprs: number[] = [0];
  let i = 0;
  let j = 0;
  while (i < pos.length || j < neg.length) {
    const t = Math.max(i < pos.length ? pos[i] : -Infinity, j < neg.length ? neg[j] : -Infinity);
    while (i < pos.length && pos[i] === t) i++;
    while (j < neg.length && neg[j] === t) j++;
    fprs.push(j / neg.length);
    tprs.push(i / pos.length);
  }
  const out: RocGridPoint[] = [];
  let k = 0;
  let best = 0;
  for (let g = 0; g < gridSize; g++) {
    const f = g / (gridSize - 1);
    while (k < fprs.length && fprs[k] <= f + 1e-12) best = Math.max(best, tprs[k++]);
    out.push({ falsePositiveRate: f, truePositiveRate: best });
  }
  return out;
}
