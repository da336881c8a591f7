import { normalCdf, studentTCdf, zCritical } from '@fedrad/numeric';
import { checkLevel, splitByClass, toLabels, toScores, type Labels, type Scores } from './inputs.js';

/**
 * DeLong placements (DeLong, DeLong & Clarke-Pearson 1988) computed as in Sun & Xu (2014),
 * "Fast implementation of DeLong's algorithm", IEEE SPL 21(11): every placement is a count
 * from a sorted array, so the whole computation is O(n log n) — here two typed-array sorts
 * and one binary search per patient.
 *   V10_i = (#controls < x_i + ½ #controls = x_i) / n   for each case i
 *   V01_j = (#cases > y_j + ½ #cases = y_j) / m         for each control j
 *   AUC = mean(V10) = mean(V01)   (Mann–Whitney, ties counted ½)
 */
export interface Placements {
  auc: number;
  /** One value per case, in input order of the cases. */
  v10: Float64Array;
  /** One value per control, in input order of the controls. */
  v01: Float64Array;
}

/** Index of the first element ≥ x (lower) or > x (upper) in a sorted typed array. */
function bound(sorted: Float64Array, x: number, upper: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (upper ? sorted[mid] <= x : sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function placements(cases: Float64Array, controls: Float64Array): Placements {
  const m = cases.length;
  const n = controls.length;
  const sortedCases = Float64Array.from(cases).sort();
  const sortedControls = Float64Array.from(controls).sort();
  const v10 = new Float64Array(m);
  const v01 = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < m; i++) {
    const below = bound(sortedControls, cases[i], false);
    const tied = bound(sortedControls, cases[i], true) - below;
    v10[i] = (below + 0.5 * tied) / n;
    sum += v10[i];
  }
  for (let j = 0; j < n; j++) {
    const atOrBelow = bound(sortedCases, controls[j], true);
    const tied = atOrBelow - bound(sortedCases, controls[j], false);
    v01[j] = (m - atOrBelow + 0.5 * tied) / m;
  }
  return { auc: sum / m, v10, v01 };
}

/**
 * Placements as multisets (order of patients lost), by two monotone pointers over the sorted
 * classes — O(n) after the sorts. Enough for one AUC's variance; the paired test needs the
 * per-patient order and uses `placements`.
 */
export function sortedPlacements(cases: Float64Array, controls: Float64Array): Placements {
  const m = cases.length;
  const n = controls.length;
  const x = Float64Array.from(cases).sort();
  const y = Float64Array.from(controls).sort();
  const v10 = new Float64Array(m);
  const v01 = new Float64Array(n);
  let below = 0; // controls < x[i]
  let atOrBelow = 0; // controls ≤ x[i]
  let sum = 0;
  for (let i = 0; i < m; i++) {
    while (below < n && y[below] < x[i]) below++;
    if (atOrBelow < below) atOrBelow = below;
    while (atOrBelow < n && y[atOrBelow] <= x[i]) atOrBelow++;
    v10[i] = (below + 0.5 * (atOrBelow - below)) / n;
    sum += v10[i];
  }
  let casesBelow = 0; // cases < y[j]
  let casesAtOrBelow = 0; // cases ≤ y[j]
  for (let j = 0; j < n; j++) {
    while (casesBelow < m && x[casesBelow] < y[j]) casesBelow++;
    if (casesAtOrBelow < casesBelow) casesAtOrBelow = casesBelow;
    while (casesAtOrBelow < m && x[casesAtOrBelow] <= y[j]) casesAtOrBelow++;
    v01[j] = (m - casesAtOrBelow + 0.5 * (casesAtOrBelow - casesBelow)) / m;
  }
  return { auc: sum / m, v10, v01 };
}

function centredCovariance(a: Float64Array, ma: number, b: Float64Array, mb: number): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - ma) * (b[i] - mb);
  return s / (a.length - 1);
}

/** DeLong variance of one AUC: S10/m + S01/n (NaN when a class has a single patient). */
function delongVariance(p: Placements): number {
  const s10 = centredCovariance(p.v10, p.auc, p.v10, p.auc);
  const s01 = centredCovariance(p.v01, p.auc, p.v01, p.auc);
  return s10 / p.v10.length + s01 / p.v01.length;
}

/** Area under the ROC curve (Mann–Whitney U / mn, ties ½). Larger score = more likely positive. */
export function auc(scores: Scores, labels: Labels): number {
  const s = toScores(scores);
  const { cases, controls } = splitByClass(s, toLabels(labels, s.length));
  return sortedPlacements(cases, controls).auc;
}

export interface AucWithCi {
  auc: number;
  variance: number;
  se: number;
  lower: number;
  upper: number;
  level: number;
  cases: number;
  controls: number;
}

/**
 * AUC with DeLong variance and Wald CI auc ± z·√var, clipped to [0, 1] as pROC's
 * ci.auc(method = "delong") does.
 */
export function delong(scores: Scores, labels: Labels, level = 0.95): AucWithCi {
  checkLevel(level);
  const s = toScores(scores);
  const { cases, controls } = splitByClass(s, toLabels(labels, s.length));
  const p = sortedPlacements(cases, controls);
  const variance = delongVariance(p);
  const se = Math.sqrt(variance);
  const z = zCritical(level);
  return {
    auc: p.auc,
    variance,
    se,
    lower: Math.max(0, p.auc - z * se),
    upper: Math.min(1, p.auc + z * se),
    level,
    cases: cases.length,
    controls: controls.length,
  };
}

export interface PairedRocTest {
  auc1: number;
  auc2: number;
  difference: number;
  /** SE of auc1 − auc2 including the covariance of the two models on the same patients. */
  se: number;
  z: number;
  pValue: number;
  lower: number;
  upper: number;
  level: number;
  covariance: number;
}

/**
 * Paired DeLong test of two models scored on the same patients (pROC roc.test(paired = TRUE,
 * method = "delong")): Z = (A1 − A2)/√(V1 + V2 − 2 Cov), Cov = cov(V10¹,V10²)/m + cov(V01¹,V01²)/n,
 * two-sided p = 2Φ(−|Z|); CI of the difference d ± z·SE (not clipped, as pROC).
 */
export function rocTest(scores1: Scores, scores2: Scores, labels: Labels, level = 0.95): PairedRocTest {
  checkLevel(level);
  const s1 = toScores(scores1, 'score');
  const s2 = toScores(scores2, 'baseline score');
  const y = toLabels(labels, s1.length);
  const c1 = splitByClass(s1, y, 'paired ROC test');
  const c2 = splitByClass(s2, toLabels(labels, s2.length), 'paired ROC test');
  const p1 = placements(c1.cases, c1.controls);
  const p2 = placements(c2.cases, c2.controls);
  const m = p1.v10.length;
  const n = p1.v01.length;
  const covariance = centredCovariance(p1.v10, p1.auc, p2.v10, p2.auc) / m + centredCovariance(p1.v01, p1.auc, p2.v01, p2.auc) / n;
  const variance = delongVariance(p1) + delongVariance(p2) - 2 * covariance;
  const se = Math.sqrt(variance);
  const difference = p1.auc - p2.auc;
  const z = difference / se;
  const crit = zCritical(level);
  return {
    auc1: p1.auc,
    auc2: p2.auc,
    difference,
    se,
    z,
    pValue: 2 * normalCdf(-Math.abs(z)),
    lower: difference - crit * se,
    upper: difference + crit * se,
    level,
    covariance,
  };
}

export interface UnpairedRocTest {
  auc1: number;
  auc2: number;
  difference: number;
  statistic: number;
  df: number;
  pValue: number;
}

/**
 * Unpaired comparison of two AUCs from independent sites (pROC roc.test(paired = FALSE,
 * method = "delong")): D = (A1 − A2)/√(V1 + V2), Welch–Satterthwaite df
 * (V1 + V2)² / (V1²/(N1 − 1) + V2²/(N2 − 1)), two-sided p from Student's t.
 */
export function rocTestUnpaired(scores1: Scores, labels1: Labels, scores2: Scores, labels2: Labels): UnpairedRocTest {
  const a = delong(scores1, labels1);
  const b = delong(scores2, labels2);
  return unpairedAucTest(
    { auc: a.auc, variance: a.variance, patients: a.cases + a.controls },
    { auc: b.auc, variance: b.variance, patients: b.cases + b.controls },
  );
}

/**
 * The same unpaired test from site summaries alone (AUC, DeLong variance, patient count), so
 * the coordinator can compare two test sites from their evaluation reports.
 */
export function unpairedAucTest(
  a: { auc: number; variance: number; patients: number },
  b: { auc: number; variance: number; patients: number },
): UnpairedRocTest {
  const statistic = (a.auc - b.auc) / Math.sqrt(a.variance + b.variance);
  const df = (a.variance + b.variance) ** 2 / (a.variance ** 2 / (a.patients - 1) + b.variance ** 2 / (b.patients - 1));
  return {
    auc1: a.auc,
    auc2: b.auc,
    difference: a.auc - b.auc,
    statistic,
    df,
    pValue: 2 * studentTCdf(-Math.abs(statistic), df),
  };
}
