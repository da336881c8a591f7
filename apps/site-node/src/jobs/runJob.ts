import { JobInputError } from '../errors.js';
import { runBaselineRound } from './baselineRound.js';
import type { JobInput } from '../jobTypes.js';
import { runEvaluate } from './evaluate.js';
import { runExtractImages } from './extractImages.js';
import { runExtractSummaries } from './extractSummaries.js';
import { runHarmonize } from './harmonize.js';
import { runReproducibility } from './reproducibility.js';
import { runSelectSummary } from './selectSummary.js';
import { runTrainRound } from './trainRound.js';
import { runTuneRound } from './tuneRound.js';

/** Dispatches a job to the module that does its kind; runs inside a worker thread. */
export async function runJob(input: JobInput): Promise<Record<string, unknown>> {
  switch (input.envelope.kind) {
    case 'train-round':
      return runTrainRound(input) as unknown as Promise<Record<string, unknown>>;
    case 'evaluate':
      return runEvaluate(input) as unknown as Promise<Record<string, unknown>>;
    case 'extract':
      // An image cohort is extracted here; a feature table is summarised if it was made with the job's config.
      return (input.cohort.images ? await runExtractImages(input) : runExtractSummaries(input)) as unknown as Record<string, unknown>;
    case 'harmonize':
      return runHarmonize(input) as unknown as Record<string, unknown>;
    case 'reproducibility':
      return runReproducibility(input) as unknown as Promise<Record<string, unknown>>;
    case 'select':
      return runSelectSummary(input) as unknown as Promise<Record<string, unknown>>;
    case 'tune-round':
      return runTuneRound(input) as unknown as Promise<Record<string, unknown>>;
    case 'baseline-round':
      return runBaselineRound(input) as unknown as Promise<Record<string, unknown>>;
    default:
      throw new JobInputError(`This site node does not run "${input.envelope.kind}" jobs (it runs extract, reproducibility, harmonize, select, tune-round, train-round, baseline-round and evaluate).`, { field: 'kind' });
  }
}
