import {
  applyStandardisation, combatSiteApply, combatSiteMoments, combatSiteResiduals, zscoreSite, zscoreSiteMoments, type CombatRows,
} from '@fedrad/harmonize';
import type { HarmonizeParams, HarmonizeResult, JobEnvelope } from '@fedrad/protocol';
import { glmFixture } from './fakeSites.js';

// Fake sites' harmonize jobs for the coordinator's tests: @fedrad/harmonize's site functions (what
// a site node's harmonize job runs) on glmFixture's rows, each site keeping the rows it harmonised.
export const features = ['f1', 'f2', 'f3', 'f4', 'f5'];
export const rowsOf = (siteId: string): CombatRows => ({
  ids: glmFixture.sites[siteId].x.map((_, i) => `${siteId}-${i}`),
  featureNames: features,
  values: Float64Array.from(glmFixture.sites[siteId].x.flat()),
});

/** A site's harmonize job by @fedrad/harmonize's site functions; it keeps what an apply job hands it. */
export function harmonizeAnswer(job: JobEnvelope, kept: Map<string, Float64Array>): HarmonizeResult {
  const params = job.params as HarmonizeParams;
  const rows = rowsOf(job.siteId);
  const context = { siteId: job.siteId, minCohortSize: 5 };
  const n = rows.ids.length;
  if (params.stage === 'moments') {
    if (params.method === 'combat') {
      const m = combatSiteMoments(rows, context);
      return { kind: 'harmonize', stage: 'moments', patientCount: n, featureMean: m.featureMean, sumSq: combatSiteResiduals(rows, { featureNames: features, covariateNames: [], beta: [] }, context).residualSumSq };
    }
    const z = zscoreSiteMoments(rows, context);
    return { kind: 'harmonize', stage: 'moments', patientCount: n, featureMean: z.mean, sumSq: z.sumSq };
  }
  const c = params.combat;
  const harmonised = c
    ? combatSiteApply(rows, { featureNames: features, covariateNames: [], beta: [], ...c }, job.siteId)
    : params.standardisation ? applyStandardisation(rows, { featureNames: features, ...params.standardisation }, job.siteId) : zscoreSite(rows, job.siteId);
  kept.set(job.siteId, harmonised);
  return { kind: 'harmonize', stage: 'apply', patientCount: n, harmonizationHash: params.harmonizationHash, summaries: features.map((name, j) => ({ name, n, before: meanSd(rows.values, j), after: meanSd(harmonised, j) })) };
}

/** Column j's mean and 1/(n−1) SD of a row-major table of the fixture's features. */
export function meanSd(values: Float64Array, j: number): { mean: number; sd: number } {
  const column = Array.from({ length: values.length / features.length }, (_, i) => values[i * features.length + j]);
  const mean = column.reduce((a, b) => a + b, 0) / column.length;
  return { mean, sd: Math.sqrt(column.reduce((a, v) => a + (v - mean) ** 2, 0) / (column.length - 1)) };
}

