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
  kept.set(job.siteId, c
    ? combatSiteApply(rows, { featureNames: features, covariateNames: [], beta: [], ...c }, job.siteId)
    : params.standardisation ? applyStandardisation(rows, { featureNames: features, ...params.standardisation }, job.siteId) : zscoreSite(rows, job.siteId));
  return { kind: 'harmonize', stage: 'apply', patientCount: n, harmonizationHash: params.harmonizationHash };
}

