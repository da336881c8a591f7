import { InvalidParameterError } from './errors.js';
import { toLabels, toScores, type Labels, type Scores } from './inputs.js';
import { wilsonInterval, type Proportion } from './wilson.js';

export interface ConfusionCounts {
  truePositives: number;
  falsePositives: number;
  trueNegatives: number;
  falseNegatives: number;
}

export interface ThresholdMetrics {
  threshold: number;
  confusion: ConfusionCounts;
  sensitivity: Proportion;
  specificity: Proportion;
  ppv: Proportion;
  npv: Proportion;
  accuracy: Proportion;
}

/**
 * Sensitivity, specificity, PPV, NPV and accuracy with Wilson CIs at a threshold fixed
 * beforehand (score ≥ threshold is called positive). The threshold must come from training
 * (e.g. the Youden point in the model card): re-optimising it on test data biases every metric.
 */
export function thresholdMetrics(scores: Scores, labels: Labels, threshold: number, level = 0.95): ThresholdMetrics {
  if (!Number.isFinite(threshold)) throw new InvalidParameterError('threshold', threshold, 'a finite score value fixed on the training data');
  const s = toScores(scores);
  const y = toLabels(labels, s.length);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < s.length; i++) {
    const called = s[i] >= threshold;
    if (y[i]) called ? tp++ : fn++;
    else called ? fp++ : tn++;
  }
  return {
    threshold,
    confusion: { truePositives: tp, falsePositives: fp, trueNegatives: tn, falseNegatives: fn },
    sensitivity: wilsonInterval(tp, tp + fn, level),
    specificity: wilsonInterval(tn, tn + fp, level),
    ppv: wilsonInterval(tp, tp + fp, level),
    npv: wilsonInterval(tn, tn + fn, level),
    accuracy: wilsonInterval(tp + tn, s.length, level),
  };
}
