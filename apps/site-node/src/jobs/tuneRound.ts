import { coxCvSiteStep, cvSiteStep, type CoxCvStepParams, type CvStepParams } from '@fedrad/methods';
import type { TuneRoundParams, TuneRoundResult } from '@fedrad/protocol';
import { loadCohort } from '../cohortTables.js';
import { CohortError, JobInputError } from '../errors.js';
import { rowsForJob } from '../harmonizations.js';
import type { JobInput } from '../jobTypes.js';

/**
 * One exchange of the tuning step's cross-validation at the site: @fedrad/methods' cvSiteStep
 * (the function the local twin `fedrad tune --sites` runs) on the cohort's rows — the grid's
 * moments, or per fold the logistic sums of the fold's training rows and the held-out rows' score,
 * each part over at least the minimum cohort (the campaign's or this site's, whichever is higher).
 * A Cox exchange (the job names its ties) runs coxCvSiteStep (`fedrad tune --model cox --sites`) on
 * the cohort's times and events instead: its own partial likelihood's sums at each fold's
 * coefficients and its own held-out score (with K folds, over the rows it draws outside and in each fold). Under a harmonising protocol the rows are first
 * harmonised with the estimate the job names.
 */
export async function runTuneRound(input: JobInput): Promise<TuneRoundResult> {
  const params = input.envelope.params as TuneRoundParams;
  if (params.kind !== 'tune-round') throw new JobInputError('A tune-round job must carry tune-round parameters.', { field: 'params/kind' });
  const cohort = loadCohort(input.cohort, params.features);
  const { round: _round, alpha: _alpha, basedOn: _basedOn, lambdas: _lambdas, harmonizationHash, ...step } = params;
  const x = rowsForJob(input, harmonizationHash, { ids: cohort.ids, featureNames: cohort.featureNames, values: cohort.x });
  const minCohortSize = Math.max(params.minCohortSize, input.minCohortSize);
  const site = { siteId: input.siteId };
  if (params.ties !== undefined) {
    if (cohort.outcome.kind !== 'survival') {
      throw new CohortError(`Cohort "${input.cohort.name}": ${input.cohort.outcome} has no time and event columns; the tuning step cross-validates a Cox model.`, { file: input.cohort.outcome, field: 'time' });
    }
    const { coef: _coef, ...coxStep } = step;
    const update = coxCvSiteStep({ ...coxStep, kind: 'cox-cv-step', minCohortSize } as CoxCvStepParams, { featureNames: cohort.featureNames, x, time: cohort.outcome.time, event: cohort.outcome.event }, site);
    return { kind: 'tune-round', round: params.round, sampleCount: update.sampleCount, eventCount: update.eventCount, tensors: update.tensors };
  }
  if (cohort.outcome.kind !== 'binary') {
    throw new CohortError(`Cohort "${input.cohort.name}": ${input.cohort.outcome} has no binary label column; the tuning step cross-validates a logistic model.`, { file: input.cohort.outcome, field: 'label' });
  }
  const cvParams = { ...step, kind: 'cv-step', minCohortSize } as CvStepParams;
  const update = await cvSiteStep(cvParams, { featureNames: cohort.featureNames, x, label: cohort.outcome.label }, site);
  return { kind: 'tune-round', round: params.round, sampleCount: update.sampleCount, eventCount: update.eventCount, tensors: update.tensors };
}
