import type { BaselineRoundParams, BaselineRoundResult } from '@fedrad/protocol';
import { trainingSiteStep } from '@fedrad/methods';
import { loadClinical } from '../clinicalTable.js';
import { loadCohort } from '../cohortTables.js';
import { CohortError, JobInputError } from '../errors.js';
import { rowsForJob } from '../harmonizations.js';
import type { JobInput } from '../jobTypes.js';
import { baselineRows } from './baselineRows.js';

/**
 * One round of a baseline model (analysisPlan.baseline) at a training site — logistic, or Cox
 * stratified by site for a survival outcome (its event times never leave: the step sends the
 * gradient and Hessian of the site's own partial likelihood) — the radiomics
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
  // The baseline models are those of baselineProtocol: logistic for a binary step, Cox for a survival one.
  const survival = params.step.model.family === 'cox';
  if ((outcome.kind === 'survival') !== survival) {
    throw new CohortError(
      survival
        ? `Cohort "${input.cohort.name}": ${input.cohort.outcome} has no time and event columns; this baseline model is a Cox model.`
        : `Cohort "${input.cohort.name}": ${input.cohort.outcome} has no binary label column; this baseline model is logistic.`,
      { file: input.cohort.outcome, field: survival ? 'time' : 'label' },
    );
  }
  const radiomics = params.radiomicsFeatures.length > 0 ? rowsForJob(input, params.step.harmonizationHash, { ids: loaded.ids, featureNames: loaded.featureNames, values: loaded.x }) : loaded.x;
  const clinical = loadClinical(input.cohort, loaded.ids, params.covariates);
  const rows = baselineRows(loaded.ids, { names: params.radiomicsFeatures, values: radiomics }, clinical);
  const kept = (v: Float64Array) => Float64Array.from(rows.keep, (i) => v[i]);
  const outcomeRows =
    outcome.kind === 'survival' ? { label: new Float64Array(0), time: kept(outcome.time), event: kept(outcome.event) } : { label: kept(outcome.label) };
  const update = await trainingSiteStep(params.step, { featureNames: rows.featureNames, x: rows.x, ...outcomeRows }, { minCohortSize: input.minCohortSize });
  // A stratified Cox step answers with its own partial likelihood's gradient and Hessian; the pooled variant's risk-set sums are not a baseline round's answer.
  if (update.contents === 'risk-set-sums') throw new JobInputError('A baseline round answers with gradient and Hessian sums; its step answered with Cox risk-set sums (model.strata "none").', { field: 'params/step' });
  return { ...update, contents: update.contents, kind: 'baseline-round', model: params.model, missingCovariates: rows.missing };
}
