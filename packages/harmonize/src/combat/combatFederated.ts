import { BatchTooSmallError, HarmonizeInputError } from '../errors.js';
import { requireMinimumCohort, requireSameFeatures, requireWellFormed, type SiteStepContext } from '../siteRows.js';
import { shrinkBatchEffects } from './empiricalBayes.js';
import { normalEquationsSolver } from './normalEquations.js';
import { confoundedMessage, covariateCount, requireBatches, requireCovariates, requireVaryingFeatures, type CombatOptions, type CombatRows } from './combatInput.js';

/**
 * Distributed ComBat (Chen et al. 2022, "Privacy-preserving harmonization via distributed
 * ComBat", NeuroImage 248:118822, Algorithm 1) in three site steps and two coordinator steps:
 *
 *   site  combatSiteMoments   → n, means, and centred cross-products of covariates and features
 *   coord combatCovariateFit  → β_C, the covariates' pooled coefficients (Frisch–Waugh: the batch
 *                               indicators partialled out by centring within each site)
 *   site  combatSiteResiduals → Σ(y − Cβ_C − mean)², per feature
 *   coord combatEstimate      → grand mean, pooled variance, each batch's γ̂, δ̂ and their empirical-
 *                               Bayes shrinkage; each site is sent only its own γ*, δ*
 *   site  combatSiteApply     → its harmonised rows
 *
 * Every summary is centred on the site's own means, so no digits are lost to large feature values,
 * and each has a size fixed by features × covariates. With batch intercepts β_b = ȳ_b − c̄_bᵀβ_C, the
 * batch's standardised mean is γ̂_b = (β_b − grand)/√var and its variance δ̂_b = RSS_b/((n_b − 1)var):
 * the quantities centralised ComBat computes from the rows, so the result equals `combat`.
 */

/** Round 1, what a site sends. Covariate-by-covariate arrays are q × q, covariate-by-feature q × p, row-major. */
export interface CombatSiteMoments {
  patientCount: number;
  featureNames: string[];
  covariateNames: string[];
  featureMean: number[];
  covariateMean: number[];
  /** Σᵢ (cᵢ − c̄)(cᵢ − c̄)ᵀ. */
  covariateScatter: number[];
  /** Σᵢ (cᵢ − c̄)(yᵢ − ȳ)ᵀ. */
  crossScatter: number[];
}

/** Round 1's answer, sent to every site: the covariates' pooled coefficients (q × p), no batch's own estimate. */
export interface CombatCovariateFit {
  featureNames: string[];
  covariateNames: string[];
  beta: number[];
}

/** Round 2, what a site sends: Σᵢ (yᵢ − cᵢᵀβ_C − mean over its rows of the same)², per feature. */
export interface CombatSiteResiduals {
  patientCount: number;
  residualSumSq: number[];
}

/** What one site receives to harmonise its rows: the pooled standardisation and its own batch's effects only. */
export interface CombatSiteAdjustment {
  featureNames: string[];
  covariateNames: string[];
  grandMean: number[];
  beta: number[];
  varPooled: number[];
  gammaStar: number[];
  deltaStar: number[];
  /** The reference batch keeps its values (sva's ref.batch). */
  reference: boolean;
}

/** The site half of round 1. Refuses a site below the minimum cohort, a batch of one and a feature constant at the site. */
export function combatSiteMoments(rows: CombatRows, context: SiteStepContext): CombatSiteMoments {
  const what = rows.source ?? `site ${context.siteId}'s features`;
  requireWellFormed(rows, what);
  requireCovariates(rows, what);
  const n = rows.ids.length;
  requireMinimumCohort(n, context);
  if (n < 2) throw new BatchTooSmallError(context.siteId, n);
  const p = rows.featureNames.length;
  const q = covariateCount(rows);
  const { mean: featureMean } = requireVaryingFeatures(rows.featureNames, rows.values, n, context.siteId);
  const cov = rows.covariates ?? new Float64Array(0);
  const covariateMean = new Float64Array(q);
  for (let i = 0; i < n; i++) for (let c = 0; c < q; c++) covariateMean[c] += cov[i * q + c];
  for (let c = 0; c < q; c++) covariateMean[c] /= n;
  const covariateScatter = new Float64Array(q * q);
  const crossScatter = new Float64Array(q * p);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < q; c++) {
      const dc = cov[i * q + c] - covariateMean[c];
      for (let d = 0; d < q; d++) covariateScatter[c * q + d] += dc * (cov[i * q + d] - covariateMean[d]);
      for (let f = 0; f < p; f++) crossScatter[c * p + f] += dc * (rows.values[i * p + f] - featureMean[f]);
    }
  }
  return {
    patientCount: n, featureNames: [...rows.featureNames], covariateNames: [...(rows.covariateNames ?? [])],
    featureMean: [...featureMean], covariateMean: [...covariateMean], covariateScatter: [...covariateScatter], crossScatter: [...crossScatter],
  };
}

/** The coordinator half of round 1: β_C = (Σₛ Sₛ^cc)⁻¹ Σₛ Sₛ^cy, the least-squares covariate coefficients with a free intercept per batch. */
export function combatCovariateFit(moments: ReadonlyMap<string, CombatSiteMoments>): CombatCovariateFit {
  const sites = checkMoments(moments);
  const first = moments.get(sites[0])!;
  const p = first.featureNames.length;
  const q = first.covariateNames.length;
  const beta = new Float64Array(q * p);
  if (q > 0) {
    const scatter = new Float64Array(q * q);
    const cross = new Float64Array(q * p);
    for (const s of sites) {
      const m = moments.get(s)!;
      m.covariateScatter.forEach((v, k) => (scatter[k] += v));
      m.crossScatter.forEach((v, k) => (cross[k] += v));
    }
    // A covariate (nearly) constant within every site is confounded with the batches: its
    // within-site spread vanishes against its raw size Σ xᵢ², which the centred scatter alone hides.
    for (let c = 0; c < q; c++) {
      const raw = sites.reduce((a, s) => a + moments.get(s)!.covariateScatter[c * q + c] + moments.get(s)!.patientCount * moments.get(s)!.covariateMean[c] ** 2, 0);
      if (!(scatter[c * q + c] > 1e-24 * raw)) throw new HarmonizeInputError(confoundedMessage, { field: first.covariateNames[c] });
    }
    const solve = normalEquationsSolver(scatter, q);
    for (let f = 0; f < p; f++) {
      const solved = solve(Array.from({ length: q }, (_, c) => cross[c * p + f]));
      for (let c = 0; c < q; c++) beta[c * p + f] = solved[c];
    }
  }
  return { featureNames: [...first.featureNames], covariateNames: [...first.covariateNames], beta: [...beta] };
}

/** The site half of round 2: its residual sum of squares about its own batch intercept, given the pooled β_C. */
export function combatSiteResiduals(rows: CombatRows, fit: CombatCovariateFit, context: SiteStepContext): CombatSiteResiduals {
  requireMinimumCohort(rows.ids.length, context);
  const residual = covariateResidual(rows, fit, context.siteId);
  const n = rows.ids.length;
  const p = rows.featureNames.length;
  const mean = new Float64Array(p);
  for (let i = 0; i < n; i++) for (let f = 0; f < p; f++) mean[f] += residual[i * p + f] / n;
  const residualSumSq = new Float64Array(p);
  for (let i = 0; i < n; i++) for (let f = 0; f < p; f++) residualSumSq[f] += (residual[i * p + f] - mean[f]) ** 2;
  return { patientCount: n, residualSumSq: [...residualSumSq] };
}

/**
 * The coordinator half of round 2: the pooled standardisation, every batch's γ̂ and δ̂, their
 * empirical-Bayes shrinkage, and for each site the adjustment it is sent (its own effects only).
 */
export function combatEstimate(
  moments: ReadonlyMap<string, CombatSiteMoments>,
  residuals: ReadonlyMap<string, CombatSiteResiduals>,
  fit: CombatCovariateFit,
  options: CombatOptions = {},
): Map<string, CombatSiteAdjustment> {
  const sites = checkMoments(moments);
  requireBatches(new Map(sites.map((s) => [s, moments.get(s)!.patientCount])), options.referenceBatch);
  const p = fit.featureNames.length;
  const q = fit.covariateNames.length;
  for (const s of sites) {
    const r = residuals.get(s);
    if (!r) throw new HarmonizeInputError(`Site ${s} sent its moments but not its residuals; every site must answer both rounds.`, { siteId: s });
    if (r.patientCount !== moments.get(s)!.patientCount || r.residualSumSq.length !== p || r.residualSumSq.some((v) => !(v >= 0 && Number.isFinite(v)))) {
      throw new HarmonizeInputError(`Site ${s}'s residual sums are malformed (another case count than its moments, not ${p} values, or a negative or non-finite sum).`, { siteId: s });
    }
  }
  const n = sites.reduce((a, s) => a + moments.get(s)!.patientCount, 0);
  // Each batch's intercept β_b = ȳ_b − c̄_bᵀβ_C (the normal equations of the batch indicators).
  const intercept = new Map(sites.map((s) => [s, batchIntercept(moments.get(s)!, fit.beta, p, q)]));
  const ref = options.referenceBatch;
  const grandMean = new Float64Array(p);
  const varPooled = new Float64Array(p);
  for (let f = 0; f < p; f++) {
    if (ref !== undefined) {
      grandMean[f] = intercept.get(ref)![f];
      varPooled[f] = residuals.get(ref)!.residualSumSq[f] / moments.get(ref)!.patientCount;
    } else {
      for (const s of sites) {
        grandMean[f] += (moments.get(s)!.patientCount / n) * intercept.get(s)![f];
        varPooled[f] += residuals.get(s)!.residualSumSq[f] / n;
      }
    }
  }
  const standardisation: CombatStandardisation = { featureNames: [...fit.featureNames], covariateNames: [...fit.covariateNames], grandMean: [...grandMean], beta: [...fit.beta], varPooled: [...varPooled] };
  return new Map(sites.map((s) => [s, combatBatchAdjustment(standardisation, moments.get(s)!, residuals.get(s)!, options, s === ref)]));
}

/** What ComBat fixes once over the batches it estimated: the covariates' β_C, the grand mean and the pooled variance. */
export type CombatStandardisation = Omit<CombatSiteAdjustment, 'gammaStar' | 'deltaStar' | 'reference'>;

/**
 * One batch's adjustment against a fixed standardisation: γ̂_b = (β_b − grand)/√var with the batch
 * intercept β_b = ȳ_b − c̄_bᵀβ_C, δ̂_b = RSS_b/((n_b − 1)var), and their empirical-Bayes shrinkage,
 * whose priors sva::ComBat estimates over the batch's own features (Johnson et al. 2007, §2.3): so
 * a batch's adjustment depends on the others only through the standardisation. `combatEstimate`
 * runs it for every batch it estimated; a campaign also runs it for an independent test site, a
 * batch brought to the training sites' standardisation without taking part in it.
 */
export function combatBatchAdjustment(
  standardisation: CombatStandardisation,
  moments: CombatSiteMoments,
  residuals: CombatSiteResiduals,
  options: CombatOptions = {},
  isReference = false,
): CombatSiteAdjustment {
  const { featureNames, covariateNames, grandMean, beta, varPooled } = standardisation;
  const p = featureNames.length;
  const q = covariateNames.length;
  const nb = moments.patientCount;
  if (!(nb >= 2) || residuals.patientCount !== nb || moments.featureMean.length !== p || moments.covariateMean.length !== q || residuals.residualSumSq.length !== p) {
    throw new HarmonizeInputError(`A batch's moments and residuals do not fit the standardisation (${p} features, ${q} covariates, the same count of at least 2 cases in both).`, { field: 'moments' });
  }
  const intercept = batchIntercept(moments, beta, p, q);
  const gammaHat = Float64Array.from({ length: p }, (_, f) => (intercept[f] - grandMean[f]) / Math.sqrt(varPooled[f]));
  const deltaHat = Float64Array.from({ length: p }, (_, f) => residuals.residualSumSq[f] / (nb - 1) / varPooled[f]);
  // Σᵢ (sᵢ − c)² = (n − 1)δ̂ + n(γ̂ − c)² over the batch's standardised rows.
  const sumSq = (f: number, center: number) => (nb - 1) * deltaHat[f] + nb * (gammaHat[f] - center) ** 2;
  const shrunk = isReference
    ? { gammaStar: new Float64Array(p), deltaStar: new Float64Array(p).fill(1) }
    : shrinkBatchEffects({ n: nb, gammaHat, deltaHat, sumSq }, { meanOnly: options.meanOnly ?? false, nonParametric: options.nonParametric ?? false });
  return {
    featureNames: [...featureNames], covariateNames: [...covariateNames], grandMean: [...grandMean], beta: [...beta], varPooled: [...varPooled],
    gammaStar: [...shrunk.gammaStar], deltaStar: [...shrunk.deltaStar], reference: isReference,
  };
}

/** The site applies its adjustment: y* = √var·(s − γ*)/√δ* + grand + cᵀβ_C with s = (y − grand − cᵀβ_C)/√var; the reference keeps y. */
export function combatSiteApply(rows: CombatRows, adjustment: CombatSiteAdjustment, siteId: string): Float64Array {
  if (adjustment.reference) {
    requireSameFeatures(adjustment.featureNames, rows.featureNames, siteId);
    return Float64Array.from(rows.values);
  }
  const residual = covariateResidual(rows, adjustment, siteId);
  const n = rows.ids.length;
  const p = rows.featureNames.length;
  const out = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < p; f++) {
      const k = i * p + f;
      const sd = Math.sqrt(adjustment.varPooled[f]);
      const standMean = rows.values[k] - residual[k] + adjustment.grandMean[f];
      const s = (residual[k] - adjustment.grandMean[f]) / sd;
      out[k] = ((s - adjustment.gammaStar[f]) / Math.sqrt(adjustment.deltaStar[f])) * sd + standMean;
    }
  }
  return out;
}

/** The batch intercept β_b = ȳ_b − c̄_bᵀβ_C (the normal equations of the batch indicators). */
function batchIntercept(moments: CombatSiteMoments, beta: readonly number[], p: number, q: number): Float64Array {
  return Float64Array.from({ length: p }, (_, f) => {
    let b = moments.featureMean[f];
    for (let c = 0; c < q; c++) b -= moments.covariateMean[c] * beta[c * p + f];
    return b;
  });
}

/** y − Cβ_C for the site's rows, after checking they are the features and covariates the coordinator fitted. */
function covariateResidual(rows: CombatRows, fit: { featureNames: string[]; covariateNames: string[]; beta: number[] }, siteId: string): Float64Array {
  requireWellFormed(rows, rows.source ?? `site ${siteId}'s features`);
  requireCovariates(rows, rows.source ?? `site ${siteId}'s covariates`);
  requireSameFeatures(fit.featureNames, rows.featureNames, siteId);
  const names = rows.covariateNames ?? [];
  if (names.length !== fit.covariateNames.length || names.some((c, k) => c !== fit.covariateNames[k])) {
    throw new HarmonizeInputError(`Site ${siteId}'s covariates (${names.join(', ') || 'none'}) are not the ones fitted (${fit.covariateNames.join(', ') || 'none'}).`, { siteId, field: 'covariates' });
  }
  const n = rows.ids.length;
  const p = rows.featureNames.length;
  const q = names.length;
  if (fit.beta.length !== q * p) throw new HarmonizeInputError(`The covariate coefficients sent to site ${siteId} hold ${fit.beta.length} values, not ${q} × ${p}.`, { siteId, field: 'beta' });
  const cov = rows.covariates ?? new Float64Array(0);
  const out = Float64Array.from(rows.values);
  for (let i = 0; i < n; i++) for (let c = 0; c < q; c++) for (let f = 0; f < p; f++) out[i * p + f] -= cov[i * q + c] * fit.beta[c * p + f];
  return out;
}

/** The sites in sorted order, after checking they summarised the same features and covariates with well-formed arrays. */
function checkMoments(moments: ReadonlyMap<string, CombatSiteMoments>): string[] {
  const sites = [...moments.keys()].sort();
  if (sites.length === 0) throw new HarmonizeInputError('No site moments to combine.', { field: 'moments' });
  const first = moments.get(sites[0])!;
  const p = first.featureNames.length;
  const q = first.covariateNames.length;
  for (const s of sites) {
    const m = moments.get(s)!;
    requireSameFeatures(first.featureNames, m.featureNames, s);
    if (m.covariateNames.length !== q || m.covariateNames.some((c, k) => c !== first.covariateNames[k])) {
      throw new HarmonizeInputError(`Site ${s} used covariates ${m.covariateNames.join(', ') || '(none)'}, the first site ${first.covariateNames.join(', ') || '(none)'}; every site must use the campaign's covariates.`, { siteId: s, field: 'covariates' });
    }
    const shapes = [m.featureMean.length === p, m.covariateMean.length === q, m.covariateScatter.length === q * q, m.crossScatter.length === q * p];
    const numbers = [...m.featureMean, ...m.covariateMean, ...m.covariateScatter, ...m.crossScatter];
    if (!(m.patientCount >= 2) || shapes.includes(false) || numbers.some((v) => !Number.isFinite(v))) {
      throw new HarmonizeInputError(`Site ${s}'s moments are malformed (fewer than 2 cases, arrays not of ${p} features and ${q} covariates, or a non-finite value).`, { siteId: s });
    }
  }
  return sites;
}
