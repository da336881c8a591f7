import type { BaselineRoundParams, BaselineRoundResult } from '@fedrad/protocol';
import { trainingSiteStep } from '@fedrad/methods';
import { loadClinical } from '../clinicalTable.js';
import { loadCohort } from '../cohortTables.js';
import { CohortError, JobInputError } from '../errors.js';
import { rowsForJob } from '../harmonizations.js';
import type { JobInput } from '../jobTypes.js';
import { baselineRows } from './baselineRows.js';

/**
 * One round of a baseline model (analysisPlan.baseline) at a training site: the radiomics
 * features the combined model takes (harmonised as the job names) beside the covariates of the
 * cohort's clinical table, over the patients with every covariate, through the same training
 * step as a train-round. The patients left out for a missing covariate are counted in the answer.
 * protocolConformance.ts has already checked the round against the approved protocol.
 */
export async function runBaselineRound(input: JobInput): Promise<BaselineRoundResult> {
  const params = input.envelope.params as BaselineRoundParams;
  if (params.kind !== 'baseline-round') throw new JobInputError('A baseline-round job must carry baseline-round parameters.', { field: 'params/kind' });
  const loaded = loadCohort(input.cohort, params.radiomicsFeatures);
  const outcome = loaded.outcome;
  if (outcome.kind !== 'binary') {
    throw new CohortError(`Cohort "${input.cohort.name}": ${input.cohort.outcome} has no binary label column; the baseline models are logistic.`, { file: input.cohort.outcome, field: 'label' });
  }
  const radiomics = params.radiomicsFeatures.length > 0 ? rowsForJob(input, params.step.harmonizationHash, { ids: loaded.ids, featureNames: loaded.featureNames, values: loaded.x }) : loaded.x;
  const clinical = loadClinical(input.cohort, loaded.ids, params.covariates);
  const rows = baselineRows(loaded.ids, { names: params.radiomicsFeatures, values: radiomics }, clinical);
  const label = Float64Array.from(rows.keep, (i) => outcome.label[i]);
  const update = await trainingSiteStep(params.step, { featureNames: rows.featureNames, x: rows.x, label }, { minCohortSize: input.minCohortSize });
  // Baseline models are exact-Newton logistic (baselineProtocol): never a Cox model's risk-set sums.
  if (update.contents === 'risk-set-sums') throw new JobInputError('A baseline round trains a logistic model; its step answered with Cox risk-set sums.', { field: 'params/step' });
  return { ...update, contents: update.contents, kind: 'baseline-round', model: params.model, missingCovariates: rows.missing };
}
