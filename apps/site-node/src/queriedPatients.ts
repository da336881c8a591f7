import type { BaselineRoundParams, EvaluateParams, JobEnvelope } from '@fedrad/protocol';
import { loadClinical } from './clinicalTable.js';
import type { CohortEntry } from './siteConfig.js';

/**
 * The patients a job's aggregate rests on, for the site's cohort-differencing rule (jobPolicy.ts):
 * the cohort's, except for the clinical baseline's jobs (a baseline round; an evaluation with the
 * baseline models), which use only the patients with every covariate. A handful of patients
 * lacking a covariate would otherwise be the difference between two answered aggregates — the
 * combined model's round-0 sums and the training round's over the same features — so such a job
 * is refused unless that difference reaches the minimum cohort.
 */
export function queriedPatients(job: JobEnvelope, cohort: CohortEntry, registered: string[]): string[] {
  const covariates = job.kind === 'baseline-round' ? (job.params as BaselineRoundParams).covariates : job.kind === 'evaluate' && (job.params as EvaluateParams).baselineModels?.length ? (job.params as EvaluateParams).covariates : undefined;
  if (!covariates?.length) return registered;
  const rows = loadClinical(cohort, registered, covariates);
  return registered.filter((_, i) => rows.complete[i]);
}

