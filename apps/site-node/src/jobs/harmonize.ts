import { combatSiteMoments, combatSiteResiduals, standardisationOf, zscoreSiteMoments, type CombatRows, type SiteStepContext } from '@fedrad/harmonize';
import { harmonizeBasisHash, type HarmonizeParams, type HarmonizeResult } from '@fedrad/protocol';
import { loadCohort } from '../cohortTables.js';
import { CohortTooSmallError, JobInputError, SiteNodeError } from '../errors.js';
import { harmonise, keepBasis, keepHarmonization, keptBasis, withCovariates, type KeptHarmonization } from '../harmonizations.js';
import type { JobInput } from '../jobTypes.js';
import { featureSummaries } from './extractionQc.js';

/**
 * A `harmonize` job (issue #12 item 2, the campaign's harmonisation step) on the site's cohort for
 * the features asked for. 'moments': the site's count, feature means and centred sums of squares —
 * by @fedrad/harmonize's site functions, the ones `fedrad harmonize --sites` runs, refused below the
 * minimum cohort. 'apply': the site takes the estimate it is handed only if it is for this site's
 * batch and rests on the moments this site sent, checks it harmonises its rows to finite values,
 * and keeps it under the step's output hash for the train-round and evaluate jobs that name it. It
 * answers with each feature's count, mean and SD before and after (issue #14: the report's per-site
 * distributions) — the extraction QC's aggregate, refused below the minimum cohort. ComBat with
 * covariates (read from the cohort's clinical table; a patient missing one refuses the job) adds
 * the covariates' centred cross-products to the moments, and between moments and apply a
 * 'residuals' exchange: the site is sent the pooled β and answers with its residual sums.
 */
export function runHarmonize(input: JobInput): HarmonizeResult {
  const params = input.envelope.params as HarmonizeParams;
  if (params.kind !== 'harmonize') throw new JobInputError('A harmonize job must carry harmonize parameters.', { field: 'params/kind' });
  const cohort = loadCohort(input.cohort, params.features);
  if (params.covariates !== undefined && params.method !== 'combat') throw new JobInputError(`Only ComBat preserves covariates; ${params.method} takes none.`, { field: 'params/covariates' });
  const rows = withCovariates(input.cohort, { ids: cohort.ids, featureNames: cohort.featureNames, values: cohort.x, source: `cohort "${input.cohort.name}"` }, params.covariates);
  const context: SiteStepContext = { siteId: input.siteId, minCohortSize: input.minCohortSize };
  const campaignId = input.envelope.campaignId;
  if (params.stage === 'moments') {
    const result: HarmonizeResult = { kind: 'harmonize', stage: 'moments', patientCount: rows.ids.length, ...momentsOf(params.method, rows, context) };
    keepBasis(input.workDir, campaignId, harmonizeBasisHash(result));
    return result;
  }
  if (params.stage === 'residuals') {
    const result: HarmonizeResult = { kind: 'harmonize', stage: 'residuals', patientCount: rows.ids.length, sumSq: residualsOf(params, rows, context, keptBasis(input.workDir, campaignId)) };
    keepBasis(input.workDir, campaignId, harmonizeBasisHash(result), 'residuals');
    return result;
  }
  if (params.batch !== input.siteId) {
    throw new SiteNodeError('HARMONIZATION_REFUSED', `The estimates sent are for site ${String(params.batch)}'s batch, not this site's (${input.siteId}); a site is harmonised with its own estimates only.`, { field: 'params/batch' });
  }
  if (params.harmonizationHash === undefined) throw new JobInputError('An apply job names the harmonisation step it keeps (harmonizationHash).', { field: 'params/harmonizationHash' });
  // With covariates the estimate rests on the residual sums this site sent last.
  const sent = keptBasis(input.workDir, campaignId, params.covariates?.length ? 'residuals' : 'moments');
  const needsBasis = params.method === 'combat' || params.basisHash !== undefined;
  if (needsBasis && (sent === undefined || params.basisHash !== sent)) {
    throw new SiteNodeError(
      'HARMONIZATION_REFUSED',
      sent === undefined
        ? `The estimates rest on moments ${String(params.basisHash)}, but this site sent no harmonisation moments for campaign ${campaignId}.`
        : `The estimates rest on moments ${String(params.basisHash)}, not on the ones this site sent (${sent}).`,
      { field: 'params/basisHash' },
    );
  }
  const kept = keptOf(params, rows, campaignId, params.harmonizationHash, input.siteId);
  const harmonised = harmonise(kept, rows, input.siteId);
  const bad = harmonised.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new SiteNodeError('HARMONIZATION_REFUSED', `The estimates sent give feature "${rows.featureNames[bad % rows.featureNames.length]}" a non-finite value at this site; they were not kept.`, { field: 'params' });
  if (rows.ids.length < input.minCohortSize) throw new CohortTooSmallError(rows.ids.length, input.minCohortSize, input.cohort.name, 'patients with features');
  const summaries = beforeAndAfter(rows, harmonised, input.minCohortSize);
  keepHarmonization(input.workDir, kept);
  return { kind: 'harmonize', stage: 'apply', patientCount: rows.ids.length, harmonizationHash: params.harmonizationHash, summaries };
}

/** Each feature's n, mean and SD over the site's rows as extracted and as harmonised: the extraction QC's summaries of both tables. */
function beforeAndAfter(rows: CombatRows, harmonised: Float64Array, minimum: number): NonNullable<HarmonizeResult['summaries']> {
  const p = rows.featureNames.length;
  const records = (values: ArrayLike<number>) => rows.ids.map((_, i) => Object.fromEntries(rows.featureNames.map((f, j) => [f, values[i * p + j]])));
  const before = new Map(featureSummaries(rows.featureNames, records(rows.values), minimum).summaries.map((s) => [s.name, s]));
  const after = new Map(featureSummaries(rows.featureNames, records(harmonised), minimum).summaries.map((s) => [s.name, s]));
  return rows.featureNames.map((name) => {
    const b = before.get(name);
    const a = after.get(name);
    // A feature table holds finite values only and the harmonised ones were checked finite: both exist unless values are missing.
    if (!b || !a) throw new SiteNodeError('HARMONIZATION_REFUSED', `Feature "${name}" has fewer than ${minimum} finite values at this site, before or after harmonisation: its summary may not leave.`, { field: name });
    return { name, n: b.n, before: { mean: b.mean, sd: b.sd }, after: { mean: a.mean, sd: a.sd } };
  });
}

/**
 * ComBat's first round (moments, with covariates their centred cross-products, and the sums of
 * squares about the site's own mean: the residual sums when there are no covariates) or pooled
 * z-scoring's.
 */
function momentsOf(method: HarmonizeParams['method'], rows: CombatRows, context: SiteStepContext): Pick<HarmonizeResult, 'featureMean' | 'sumSq' | 'covariateMean' | 'covariateScatter' | 'crossScatter'> {
  if (method === 'combat') {
    const moments = combatSiteMoments(rows, context);
    const residuals = combatSiteResiduals({ ...rows, covariateNames: [], covariates: undefined }, { featureNames: [...rows.featureNames], covariateNames: [], beta: [] }, context);
    const covariates = moments.covariateNames.length > 0 ? { covariateMean: moments.covariateMean, covariateScatter: moments.covariateScatter, crossScatter: moments.crossScatter } : {};
    return { featureMean: moments.featureMean, sumSq: residuals.residualSumSq, ...covariates };
  }
  if (method === 'zscore-pooled') {
    const moments = zscoreSiteMoments(rows, context);
    return { featureMean: moments.mean, sumSq: moments.sumSq };
  }
  throw new JobInputError('Per-site z-scoring sends no moments: each site standardises with its own mean and sd.', { field: 'params/stage' });
}

/** ComBat's second round with covariates: Σ(r − r̄)² of the residuals r = y − cᵀβ about the site's own mean, for the β sent, resting on the moments this site sent. */
function residualsOf(params: HarmonizeParams, rows: CombatRows, context: SiteStepContext, sent: string | undefined): number[] {
  if (params.method !== 'combat' || !params.covariates?.length) throw new JobInputError('Only ComBat with covariates has a residuals exchange.', { field: 'params/stage' });
  if (sent === undefined || params.basisHash !== sent) {
    throw new SiteNodeError('HARMONIZATION_REFUSED', `The covariate coefficients rest on moments ${String(params.basisHash)}, not on the ones this site sent (${sent ?? 'none'}).`, { field: 'params/basisHash' });
  }
  const q = params.covariates.length;
  const p = params.features.length;
  if (params.beta?.length !== q * p || params.beta.some((v) => !Number.isFinite(v))) throw new JobInputError(`The covariate coefficients β must hold ${q} × ${p} finite values.`, { field: 'params/beta' });
  return combatSiteResiduals(rows, { featureNames: [...params.features], covariateNames: [...params.covariates], beta: params.beta }, context).residualSumSq;
}

/** What the site keeps: the estimate it was sent, shaped for its features, or for per-site z-scoring its own standardisation. */
function keptOf(params: HarmonizeParams, rows: CombatRows, campaignId: string, harmonizationHash: string, siteId: string): KeptHarmonization {
  const base = { campaignId, harmonizationHash, method: params.method, features: [...params.features] };
  const p = params.features.length;
  const sized = (name: string, values: readonly number[] | undefined) => {
    if (values?.length !== p) throw new JobInputError(`The estimate's ${name} holds ${values?.length ?? 0} values for ${p} features.`, { field: `params/${name}` });
  };
  if (params.method === 'combat') {
    const c = params.combat;
    if (!c) throw new JobInputError('A ComBat apply job carries this site\'s batch estimate (combat).', { field: 'params/combat' });
    (['grandMean', 'varPooled', 'gammaStar', 'deltaStar'] as const).forEach((k) => sized(`combat/${k}`, c[k]));
    const q = params.covariates?.length ?? 0;
    if ((c.beta?.length ?? 0) !== q * p) throw new JobInputError(`The estimate's covariate coefficients hold ${c.beta?.length ?? 0} values for ${q} covariates × ${p} features.`, { field: 'params/combat/beta' });
    return { ...base, ...(q > 0 ? { covariates: [...params.covariates!] } : {}), combat: c };
  }
  if (params.method === 'zscore-pooled') {
    const s = params.standardisation;
    if (!s) throw new JobInputError('A pooled z-scoring apply job carries the pooled standardisation.', { field: 'params/standardisation' });
    sized('standardisation/mean', s.mean);
    sized('standardisation/sd', s.sd);
    return { ...base, standardisation: s };
  }
  if (params.combat || params.standardisation) throw new JobInputError('Per-site z-scoring takes no estimate from the coordinator: the site uses its own mean and sd.', { field: 'params' });
  const own = standardisationOf(rows, `site ${siteId}`, siteId);
  return { ...base, standardisation: { mean: own.mean, sd: own.sd } };
}
