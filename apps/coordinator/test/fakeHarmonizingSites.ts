import {
  applyStandardisation, combatSiteApply, combatSiteMoments, combatSiteResiduals, zscoreSite, zscoreSiteMoments, type CombatRows,
} from '@fedrad/harmonize';
import type { HarmonizeParams, HarmonizeResult, JobEnvelope } from '@fedrad/protocol';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { glmFixture } from './fakeSites.js';

/** Each patient's clinical covariates and sva::ComBat's harmonised rows with them (scripts/fixtures/harmonize/combatCampaign.R). */
export const combatCovariateFixture = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'fixtures/combat-campaign-covariates.json'), 'utf8')) as {
  covariates: string[];
  clinical: Record<string, Record<string, number[]>>;
  harmonised: Record<string, number[][]>;
  beta: number[][];
};

// Fake sites' harmonize jobs for the coordinator's tests: @fedrad/harmonize's site functions (what
// a site node's harmonize job runs) on glmFixture's rows, each site keeping the rows it harmonised.
export const features = ['f1', 'f2', 'f3', 'f4', 'f5'];
export const rowsOf = (siteId: string): CombatRows => ({
  ids: glmFixture.sites[siteId].x.map((_, i) => `${siteId}-${i}`),
  featureNames: features,
  values: Float64Array.from(glmFixture.sites[siteId].x.flat()),
});

/** A site's rows with the covariates asked for, from the fixture's clinical tables. */
export function clinicalRowsOf(siteId: string, covariates: readonly string[]): CombatRows {
  const rows = rowsOf(siteId);
  const table = combatCovariateFixture.clinical[siteId];
  return { ...rows, covariateNames: covariates, covariates: Float64Array.from(rows.ids.flatMap((_, i) => covariates.map((c) => table[c][i]))) };
}

/** A site's harmonize job by @fedrad/harmonize's site functions; it keeps what an apply job hands it. */
export function harmonizeAnswer(job: JobEnvelope, kept: Map<string, Float64Array>): HarmonizeResult {
  const params = job.params as HarmonizeParams;
  const covariateNames = params.covariates ?? [];
  const rows = clinicalRowsOf(job.siteId, covariateNames);
  const context = { siteId: job.siteId, minCohortSize: 5 };
  const n = rows.ids.length;
  if (params.stage === 'moments') {
    if (params.method === 'combat') {
      const m = combatSiteMoments(rows, context);
      const covariates = covariateNames.length > 0 ? { covariateMean: m.covariateMean, covariateScatter: m.covariateScatter, crossScatter: m.crossScatter } : {};
      return { kind: 'harmonize', stage: 'moments', patientCount: n, featureMean: m.featureMean, sumSq: combatSiteResiduals(rowsOf(job.siteId), { featureNames: features, covariateNames: [], beta: [] }, context).residualSumSq, ...covariates };
    }
    const z = zscoreSiteMoments(rows, context);
    return { kind: 'harmonize', stage: 'moments', patientCount: n, featureMean: z.mean, sumSq: z.sumSq };
  }
  if (params.stage === 'residuals') {
    return { kind: 'harmonize', stage: 'residuals', patientCount: n, sumSq: combatSiteResiduals(rows, { featureNames: features, covariateNames: [...covariateNames], beta: params.beta! }, context).residualSumSq };
  }
  const c = params.combat;
  const harmonised = c
    ? combatSiteApply(rows, { featureNames: features, covariateNames: [...covariateNames], ...c, beta: c.beta ?? [] }, job.siteId)
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

