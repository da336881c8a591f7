import { selectionSiteSummary } from '@fedrad/methods';
import type { SelectParams, SelectResult } from '@fedrad/protocol';
import { loadCohort } from '../cohortTables.js';
import { CohortError, JobInputError } from '../errors.js';
import { rowsForJob } from '../harmonizations.js';
import type { JobInput } from '../jobTypes.js';

/**
 * The selection step's exchange at the site: @fedrad/methods' selectionSiteSummary (the function
 * the local twin `fedrad select --sites` runs) on the cohort's rows of the job's features — sums,
 * sums of squares, sums of feature × label and cross-products (with a survival outcome, also each
 * feature's Cox score and information over its own risk sets), over at least the minimum cohort
 * (the campaign's or this site's, whichever is higher). Under a harmonising protocol the rows are
 * first harmonised with the estimate the job names, as training's will be.
 */
export async function runSelectSummary(input: JobInput): Promise<SelectResult> {
  const params = input.envelope.params as SelectParams;
  if (params.kind !== 'select') throw new JobInputError('A select job must carry select parameters.', { field: 'params/kind' });
  const cohort = loadCohort(input.cohort, params.features);
  const outcome = cohort.outcome;
  if (params.survival ? outcome.kind !== 'survival' : outcome.kind !== 'binary') {
    throw new CohortError(
      params.survival
        ? `Cohort "${input.cohort.name}": ${input.cohort.outcome} has no time and event columns; the selection's univariate test of a survival outcome is the Cox score test.`
        : `Cohort "${input.cohort.name}": ${input.cohort.outcome} has no binary label column; the selection's univariate test is a logistic score test.`,
      { file: input.cohort.outcome, field: params.survival ? 'time' : 'label' },
    );
  }
  const minCohortSize = Math.max(params.minCohortSize, input.minCohortSize);
  const x = rowsForJob(input, params.harmonizationHash, { ids: cohort.ids, featureNames: cohort.featureNames, values: cohort.x });
  const rows = outcome.kind === 'survival' ? { featureNames: cohort.featureNames, x, label: new Float64Array(0), time: outcome.time, event: outcome.event } : { featureNames: cohort.featureNames, x, label: outcome.label };
  const sums = await selectionSiteSummary({ kind: 'select-summary', features: params.features, minCohortSize, ...(params.survival ? { survival: params.survival } : {}) }, rows, { siteId: input.siteId });
  return { kind: 'select', patientCount: sums.sampleCount, eventCount: sums.eventCount, tensors: sums.tensors };
}
