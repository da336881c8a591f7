import type { ModelUpdate, TrainRoundParams } from '@fedrad/protocol';
import { trainingSiteStep } from '@fedrad/methods';
import { loadCohort } from '../cohortTables.js';
import { CohortError, JobInputError } from '../errors.js';
import { rowsForJob } from '../harmonizations.js';
import type { JobInput } from '../jobTypes.js';

/**
 * One training round at the site (SITE_CHANNEL.md §6): loads the cohort's rows for the model's
 * features and runs the training method's site step (@fedrad/methods), the same function the
 * local twin runs. Under secure aggregation the plain update computed here goes back to the
 * daemon, which masks it with the round's keys (secureRounds.ts) before anything leaves the site.
 * What this node refuses itself: a job without train-round parameters, a cohort whose outcome the
 * model cannot use (a binary label for the logistic families, time and event for cox).
 */
export async function runTrainRound(input: JobInput): Promise<ModelUpdate> {
  const params = input.envelope.params as TrainRoundParams;
  if (params.kind !== 'train-round') throw new JobInputError('A train-round job must carry train-round parameters.', { field: 'params/kind' });
  const loaded = loadCohort(input.cohort, params.features);
  // The campaign's harmonisation, when its step ran: exactly the estimate this site keeps under that hash.
  const cohort = { ...loaded, x: rowsForJob(input, params.harmonizationHash, { ids: loaded.ids, featureNames: loaded.featureNames, values: loaded.x }) };
  if (params.model.family === 'cox') {
    if (cohort.outcome.kind !== 'survival') {
      throw new CohortError(`Cohort "${input.cohort.name}": ${input.cohort.outcome} has no time and event columns; a Cox model needs them.`, { file: input.cohort.outcome, field: 'time' });
    }
    const { time, event } = cohort.outcome;
    return trainingSiteStep(params, { featureNames: cohort.featureNames, x: cohort.x, label: new Float64Array(0), time, event }, { minCohortSize: input.minCohortSize });
  }
  if (cohort.outcome.kind !== 'binary') {
    throw new CohortError(`Cohort "${input.cohort.name}": ${input.cohort.outcome} has no binary label column; a logistic model needs one.`, { file: input.cohort.outcome, field: 'label' });
  }
  return trainingSiteStep(params, { featureNames: cohort.featureNames, x: cohort.x, label: cohort.outcome.label }, { minCohortSize: input.minCohortSize });
}
