import { chiSquareSurvival, zCritical } from '@fedrad/numeric';
import { InvalidParameterError, TooFewGroupsError } from './errors.js';
import { checkLevel, splitByClass, toLabels, toScores, type Labels, type Scores } from './inputs.js';
import { fitLogistic } from './logistic.js';
import { lowess } from './lowess.js';
import { quantileSorted } from './quantile.js';
import { wilsonInterval, type Proportion } from './wilson.js';

export interface Estimate {
  estimate: number;
  lower: number;
  upper: number;
  level: number;
  se: number;
}

export interface HosmerLemeshow {
  statistic: number;
  df: number;
  pValue: number;
  groups: number;
}

export interface CalibrationBin {
  patients: number;
  meanPredicted: number;
  observed: Proportion;
}

export interface CalibrationCurvePoint {
  predicted: number;
  observed: number;
}

export interface Calibration {
  /** Calibration-in-the-large: α of logit P(y) = α + offset(logit p) (ideal 0). */
  calibrationInTheLarge: Estimate;
  /** Calibration slope β of logit P(y) = a + β·logit p (ideal 1); absent when not estimable (`slopeNotEstimable` says why). */
  slope?: Estimate;
  /** The intercept a of that joint recalibration fit (what rms::val.prob reports as "Intercept"); absent with the slope. */
  recalibrationIntercept?: Estimate;
  /** Why the joint recalibration fit has no estimate (e.g. the predictions separate the outcome). */
  slopeNotEstimable?: string;
  brier: number;
  /** 1 − Brier / (ȳ(1 − ȳ)): Brier relative to a non-informative model predicting the prevalence. */
  scaledBrier: number;
  /** Absent when the patients make fewer than 3 risk groups (the test has g − 2 df). */
  hosmerLemeshow?: HosmerLemeshow;
  bins: CalibrationBin[];
  smoothed: CalibrationCurvePoint[];
  /** Patients left out of the logistic fits because p is exactly 0 or 1 (logit infinite). */
  excludedFromLogistic: number;
}

function wald(estimate: number, se: number, level: number): Estimate {
  const z = zCritical(level);
  return { estimate, se, lower: estimate - z * se, upper: estimate + z * se, level };
}

function checkProbabilities(p: Float64Array): void {
  for (let i = 0; i < p.length; i++) {
    if (p[i] < 0 || p[i] > 1) {
      throw new InvalidParameterError(`predicted probability of row ${i + 1}`, p[i], 'a probability in [0, 1] (calibration needs probabilities, not raw risk scores)');
    }
  }
}

/** Brier score mean((p − y)²) (Brier 1950). */
export function brierScore(probabilities: Scores, labels: Labels): number {
  const p = toScores(probabilities);
  const y = toLabels(labels, p.length);
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (p[i] - y[i]) ** 2;
  return s / p.length;
}

/**
 * Groups of the predicted probabilities cut at their deciles (type-7 quantiles, duplicate
 * cut points merged, lowest interval closed) — the grouping of R's
 * cut(p, quantile(p, 0:g/g), include.lowest = TRUE) used by ResourceSelection::hoslem.test.
 */
export function quantileGroups(p: Float64Array, g: number, minGroupSize = 0): Int32Array {
  const sorted = Float64Array.from(p).sort();
  const breaks: number[] = [];
  for (let k = 0; k <= g; k++) {
    const q = quantileSorted(sorted, k / g);
    if (breaks.length === 0 || q !== breaks[breaks.length - 1]) breaks.push(q);
  }
  const group = new Int32Array(p.length);
  for (let i = 0; i < p.length; i++) {
    let k = 1;
    while (k < breaks.length - 1 && p[i] > breaks[k]) k++;
    group[i] = k - 1;
  }
  return minGroupSize > 0 ? mergeSmallGroups(group, breaks.length - 1, minGroupSize) : group;
}

/**
 * Merges each group holding fewer than `minGroupSize` patients into its next neighbour (the
 * last into its previous one), so that no reported group rests on fewer patients than the
 * campaign allows to leave a site. Groups stay contiguous in predicted risk.
 */
function mergeSmallGroups(group: Int32Array, groups: number, minGroupSize: number): Int32Array {
  const size = new Int32Array(groups);
  for (let i = 0; i < group.length; i++) size[group[i]]++;
  const target = new Int32Array(groups);
  let current = 0;
  let running = 0;
  for (let k = 0; k < groups; k++) {
    target[k] = current;
    running += size[k];
    if (running >= minGroupSize) {
      current++;
      running = 0;
    }
  }
  // A short tail joins the group before it.
  if (running > 0 && current > 0) for (let k = 0; k < groups; k++) if (target[k] === current) target[k] = current - 1;
  return Int32Array.from(group, (k) => target[k]);
}

/**
 * The risk groups of the Hosmer–Lemeshow test (deciles of predicted risk, each at least
 * `minGroupSize` patients) and its C-hat statistic (Hosmer & Lemeshow 1980): Σ over groups and
 * both outcomes of (O − E)²/E.
 */
function riskGroups(probabilities: Scores, labels: Labels, g: number, minGroupSize: number, level: number): { statistic: number; bins: CalibrationBin[]; patients: number } {
  const p = toScores(probabilities);
  const y = toLabels(labels, p.length);
  checkProbabilities(p);
  checkLevel(level);
  const group = quantileGroups(p, g, minGroupSize);
  let groups = 0;
  for (let i = 0; i < group.length; i++) groups = Math.max(groups, group[i] + 1);
  const n = new Float64Array(groups);
  const o1 = new Float64Array(groups);
  const e1 = new Float64Array(groups);
  for (let i = 0; i < p.length; i++) {
    n[group[i]]++;
    o1[group[i]] += y[i];
    e1[group[i]] += p[i];
  }
  let statistic = 0;
  const bins: CalibrationBin[] = [];
  for (let k = 0; k < groups; k++) {
    if (n[k] === 0) continue;
    const e0 = n[k] - e1[k];
    const o0 = n[k] - o1[k];
    statistic += (o1[k] - e1[k]) ** 2 / e1[k] + (o0 - e0) ** 2 / e0;
    bins.push({ patients: n[k], meanPredicted: e1[k] / n[k], observed: wilsonInterval(o1[k], n[k], level) });
  }
  return { statistic, bins, patients: p.length };
}

/**
 * Hosmer–Lemeshow test: C-hat referred to χ² with g − 2 df, so it needs g ≥ 3 groups.
 */
export function hosmerLemeshow(probabilities: Scores, labels: Labels, g = 10, minGroupSize = 0, level = 0.95): HosmerLemeshow & { bins: CalibrationBin[] } {
  const { statistic, bins, patients } = riskGroups(probabilities, labels, g, minGroupSize, level);
  if (bins.length < 3) throw new TooFewGroupsError(patients, minGroupSize, bins.length);
  const df = bins.length - 2;
  // A survival probability: rounding in the incomplete gamma must not carry it past 1.
  return { statistic, df, pValue: Math.min(1, Math.max(0, chiSquareSurvival(statistic, df))), groups: bins.length, bins };
}

/**
 * The lowess calibration curve (what rms::val.prob draws: lowess(p, y, iter = 0)), read off
 * at a fixed probability grid inside the observed range so no patient's prediction is reported.
 */
export function smoothedCalibration(probabilities: Scores, labels: Labels, gridStep = 0.02): CalibrationCurvePoint[] {
  const p = toScores(probabilities);
  const y = toLabels(labels, p.length);
  const fit = lowess(p, Float64Array.from(y), { iter: 0 });
  const out: CalibrationCurvePoint[] = [];
  const lo = fit.x[0];
  const hi = fit.x[fit.x.length - 1];
  let k = 0;
  for (let g = gridStep; g < 1 - 1e-9; g += gridStep) {
    const grid = Math.round(g * 1e6) / 1e6;
    if (grid < lo || grid > hi) continue;
    while (k < fit.x.length - 2 && fit.x[k + 1] < grid) k++;
    // Linear interpolation between the smoothed values at the neighbouring predictions.
    let j = k + 1;
    while (j < fit.x.length - 1 && fit.x[j] === fit.x[k]) j++;
    const x0 = fit.x[k];
    const x1 = fit.x[j];
    const t = x1 > x0 ? (grid - x0) / (x1 - x0) : 0;
    out.push({ predicted: grid, observed: fit.y[k] + t * (fit.y[j] - fit.y[k]) });
  }
  return out;
}

/**
 * Why y ~ a + β·x has no maximum-likelihood estimate, or undefined when it has one: with one
 * covariate the MLE exists iff the classes overlap — no complete or quasi-complete separation,
 * i.e. not (max x | y=0 ≤ min x | y=1) and not (max x | y=1 ≤ min x | y=0) (Albert & Anderson 1984,
 * Biometrika 71:1, Theorems 1–3). R's glm then stops at its iteration limit with a huge slope and a
 * larger standard error, and warns "fitted probabilities numerically 0 or 1 occurred".
 */
function separation(x: Float64Array, y: Uint8Array): string | undefined {
  let min0 = Infinity, max0 = -Infinity, min1 = Infinity, max1 = -Infinity;
  for (let i = 0; i < x.length; i++) {
    if (y[i]) { min1 = Math.min(min1, x[i]); max1 = Math.max(max1, x[i]); }
    else { min0 = Math.min(min0, x[i]); max0 = Math.max(max0, x[i]); }
  }
  if (max0 === -Infinity || max1 === -Infinity) return 'the patients with a finite logit are all of one class';
  if (max0 <= min1 || max1 <= min0) return `the predictions separate the outcome (every ${max0 <= min1 ? 'event' : 'non-event'} is predicted at least as high as every ${max0 <= min1 ? 'non-event' : 'event'}), so the slope's maximum-likelihood estimate is infinite (Albert & Anderson 1984)`;
  return undefined;
}

/**
 * Full calibration assessment of predicted probabilities on an independent test set
 * (Van Calster et al. 2016, "A calibration hierarchy", J Clin Epidemiol 74:167).
 */
export function calibration(probabilities: Scores, labels: Labels, options: { level?: number; groups?: number; minGroupSize?: number } = {}): Calibration {
  const level = checkLevel(options.level ?? 0.95);
  const p = toScores(probabilities, 'predicted probability');
  const y = toLabels(labels, p.length);
  checkProbabilities(p);
  splitByClass(p, y, 'calibration');
  // Patients with p ∈ {0, 1} have an infinite logit; rms::val.prob drops them from the fits too.
  const keep: number[] = [];
  for (let i = 0; i < p.length; i++) if (p[i] > 0 && p[i] < 1) keep.push(i);
  const lp = Float64Array.from(keep, (i) => Math.log(p[i] / (1 - p[i])));
  const yk = Uint8Array.from(keep, (i) => y[i]);
  const citl = fitLogistic(lp, yk, true);
  const notEstimable = separation(lp, yk);
  const recal = notEstimable ? undefined : fitLogistic(lp, yk, false);
  const finite = recal && [recal.slope, recal.slopeSe, recal.intercept, recal.interceptSe].every(Number.isFinite);
  const brier = brierScore(p, y);
  let events = 0;
  for (let i = 0; i < p.length; i++) events += y[i];
  const prevalence = events / p.length;
  const minGroupSize = options.minGroupSize ?? 0;
  const { statistic, bins } = riskGroups(p, y, options.groups ?? 10, minGroupSize, level);
  // Fewer than 3 groups leave the test without degrees of freedom: the groups are still shown.
  const hlStats = bins.length >= 3 ? { statistic, df: bins.length - 2, pValue: Math.min(1, Math.max(0, chiSquareSurvival(statistic, bins.length - 2))), groups: bins.length } : undefined;
  return {
    calibrationInTheLarge: wald(citl.intercept, citl.interceptSe, level),
    ...(finite
      ? { slope: wald(recal.slope, recal.slopeSe, level), recalibrationIntercept: wald(recal.intercept, recal.interceptSe, level) }
      : { slopeNotEstimable: notEstimable ?? 'the recalibration fit logit P(y) = a + β·logit p has no finite estimate (the predictions do not vary enough)' }),
    brier,
    scaledBrier: 1 - brier / (prevalence * (1 - prevalence)),
    ...(hlStats ? { hosmerLemeshow: hlStats } : {}),
    bins,
    smoothed: smoothedCalibration(p, y),
    excludedFromLogistic: p.length - keep.length,
  };
}
