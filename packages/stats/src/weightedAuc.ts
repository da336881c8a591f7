import { splitByClass, toLabels, toScores, type Labels, type Scores } from './inputs.js';
import type { ResampleStatistic } from './bootstrap.js';

/**
 * AUC as a resample statistic: the patients are sorted by score once; each replicate is then
 * one O(n) pass over distinct-score groups, adding (cases in group) × (controls below + ½
 * controls in group) with every patient counted as often as it was drawn (Mann–Whitney).
 */
export function aucStatistic(scores: Scores, labels: Labels): ResampleStatistic {
  const s = toScores(scores);
  const y = toLabels(labels, s.length);
  splitByClass(s, y);
  const order = Int32Array.from({ length: s.length }, (_, i) => i).sort((a, b) => s[a] - s[b]);
  const groupEnd = new Int32Array(s.length); // index (in sorted order) one past the tie group
  for (let k = s.length - 1; k >= 0; k--) {
    groupEnd[k] = k + 1 < s.length && s[order[k + 1]] === s[order[k]] ? groupEnd[k + 1] : k + 1;
  }
  return (counts) => {
    let controlsBelow = 0;
    let cases = 0;
    let sum = 0;
    for (let k = 0; k < order.length; ) {
      const end = groupEnd[k];
      let gCases = 0;
      let gControls = 0;
      for (; k < end; k++) {
        const i = order[k];
        if (y[i]) gCases += counts[i];
        else gControls += counts[i];
      }
      sum += gCases * (controlsBelow + 0.5 * gControls);
      controlsBelow += gControls;
      cases += gCases;
    }
    return sum / (cases * controlsBelow);
  };
}
