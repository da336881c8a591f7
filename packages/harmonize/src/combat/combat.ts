import { HarmonizeInputError } from '../errors.js';
import { requireWellFormed } from '../siteRows.js';
import { shrinkBatchEffects, type BatchAdjustment } from './empiricalBayes.js';
import { normalEquationsSolver } from './normalEquations.js';
import { covariateCount, requireBatches, requireCovariates, requireVaryingCovariates, requireVaryingFeatures, type CombatOptions, type CombatRows } from './combatInput.js';

export interface CombatResult {
  /** The harmonised table, n × p in the input's row and column order. */
  values: Float64Array;
  /** The batches in sorted order, with their shrunken effects. */
  batches: string[];
  adjustments: Map<string, BatchAdjustment>;
  grandMean: Float64Array;
  varPooled: Float64Array;
}

/**
 * Centralised ComBat (Johnson, Li & Rabinovic 2007) on pooled rows labelled by batch: the
 * reference the federated path equals, written as sva::ComBat computes it (sva 3.46):
 * 1. fit y = Xβ by least squares, X = [batch indicators (the reference's column all ones), covariates];
 * 2. grand mean Σ (n_b/n) β_b (or the reference's β), pooled variance mean((y − Xβ)²) (or over the reference's rows);
 * 3. standardise s = (y − grand − Cβ_C)/√var, estimate each batch's γ̂ (mean) and δ̂ (variance) of s;
 * 4. shrink them by empirical Bayes; 5. y* = √var (s − γ*)/√δ* + grand + Cβ_C; the reference's rows unchanged.
 * A feature constant within a batch is refused (sva leaves such a feature unharmonised).
 */
export function combat(rows: CombatRows, batch: readonly string[], options: CombatOptions = {}): CombatResult {
  requireWellFormed(rows, rows.source ?? 'the feature table');
  requireCovariates(rows, rows.source ?? 'the covariates');
  const n = rows.ids.length;
  const p = rows.featureNames.length;
  const q = covariateCount(rows);
  const y = rows.values;
  const cov = rows.covariates ?? new Float64Array(0);
  if (batch.length !== n) throw new HarmonizeInputError(`${batch.length} batch labels for ${n} cases.`, { field: 'batch', expected: `${n}`, found: `${batch.length}` });
  const batches = [...new Set(batch)].sort();
  const members = new Map(batches.map((b) => [b, [] as number[]]));
  batch.forEach((b, i) => members.get(b)!.push(i));
  requireBatches(new Map(batches.map((b) => [b, members.get(b)!.length])), options.referenceBatch);
  if (q > 0) requireVaryingCovariates(rows.covariateNames!, cov, n);
  for (const [name, idx] of members) requireVaryingFeatures(rows.featureNames, Float64Array.from(idx.flatMap((i) => [...y.subarray(i * p, (i + 1) * p)])), idx.length, name);
  const ref = options.referenceBatch === undefined ? -1 : batches.indexOf(options.referenceBatch);
  const nb = batches.length;
  const m = nb + q;
  const batchIndex = batch.map((b) => batches.indexOf(b));

  // 1. The design and the normal equations (sva: solve(crossprod(design), tcrossprod(t(design), dat))).
  const design = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    design[i * m + batchIndex[i]] = 1;
    if (ref >= 0) design[i * m + ref] = 1;
    for (let c = 0; c < q; c++) design[i * m + nb + c] = cov[i * q + c];
  }
  const xtx = new Float64Array(m * m);
  for (let i = 0; i < n; i++) for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) xtx[a * m + b] += design[i * m + a] * design[i * m + b];
  const solve = normalEquationsSolver(xtx, m);
  const coef = new Float64Array(m * p); // coef[a·p + f]
  for (let f = 0; f < p; f++) {
    const xty = new Float64Array(m);
    for (let i = 0; i < n; i++) for (let a = 0; a < m; a++) xty[a] += design[i * m + a] * y[i * p + f];
    const solved = solve(xty);
    for (let a = 0; a < m; a++) coef[a * p + f] = solved[a];
  }

  // 2. Grand mean and pooled variance.
  const grandMean = new Float64Array(p);
  for (let f = 0; f < p; f++) {
    if (ref >= 0) grandMean[f] = coef[ref * p + f];
    else for (let b = 0; b < nb; b++) grandMean[f] += (members.get(batches[b])!.length / n) * coef[b * p + f];
  }
  const varRows = ref >= 0 ? members.get(batches[ref])! : [...Array(n).keys()];
  const varPooled = new Float64Array(p);
  for (const i of varRows) {
    for (let f = 0; f < p; f++) {
      let fitted = 0;
      for (let a = 0; a < m; a++) fitted += design[i * m + a] * coef[a * p + f];
      varPooled[f] += (y[i * p + f] - fitted) ** 2 / varRows.length;
    }
  }

  // 3. Standardise: s = (y − stand.mean)/√var, stand.mean = grand mean + the covariates' part.
  const standMean = new Float64Array(n * p);
  const s = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < p; f++) {
      let sm = grandMean[f];
      for (let c = 0; c < q; c++) sm += cov[i * q + c] * coef[(nb + c) * p + f];
      standMean[i * p + f] = sm;
      s[i * p + f] = (y[i * p + f] - sm) / Math.sqrt(varPooled[f]);
    }
  }

  // 4. Each batch's γ̂, δ̂ and their shrinkage.
  const adjustments = new Map<string, BatchAdjustment>();
  batches.forEach((name, b) => {
    const idx = members.get(name)!;
    const gammaHat = new Float64Array(p);
    const deltaHat = new Float64Array(p);
    for (const i of idx) for (let f = 0; f < p; f++) gammaHat[f] += s[i * p + f] / idx.length;
    for (const i of idx) for (let f = 0; f < p; f++) deltaHat[f] += (s[i * p + f] - gammaHat[f]) ** 2 / (idx.length - 1);
    const sumSq = (f: number, center: number) => {
      let sum = 0;
      for (const i of idx) sum += (s[i * p + f] - center) ** 2;
      return sum;
    };
    const shrunk = shrinkBatchEffects({ n: idx.length, gammaHat, deltaHat, sumSq }, { meanOnly: options.meanOnly ?? false, nonParametric: options.nonParametric ?? false });
    if (b === ref) adjustments.set(name, { gammaStar: new Float64Array(p), deltaStar: new Float64Array(p).fill(1) });
    else adjustments.set(name, shrunk);
  });

  // 5. Adjust; the reference batch keeps its values.
  const values = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    const b = batchIndex[i];
    const { gammaStar, deltaStar } = adjustments.get(batches[b])!;
    for (let f = 0; f < p; f++) {
      values[i * p + f] = b === ref
        ? y[i * p + f]
        : ((s[i * p + f] - gammaStar[f]) / Math.sqrt(deltaStar[f])) * Math.sqrt(varPooled[f]) + standMean[i * p + f];
    }
  }
  return { values, batches, adjustments, grandMean, varPooled };
}
