import type { ErrorReport, JobEnvelope } from '@fedrad/protocol';
import type { CohortEntry } from './siteConfig.js';

/** What a worker thread receives: the job and where the site's data for it lives. */
export interface JobInput {
  envelope: JobEnvelope;
  siteId: string;
  cohort: CohortEntry;
  /** The effective minimum cohort size (campaign's or site's, whichever is higher). */
  minCohortSize: number;
  /** Where the site keeps job artifacts (predictions, models) that never leave it. */
  workDir: string;
  /** The campaign CA certificate (PEM): an evaluate job's model must be signed by the campaign's coordinator under it. */
  caCertPem?: string;
  /** The IBSI phantom verification record the site declares (site.yaml ibsiVerification): extract results carry its summary. */
  ibsiVerification?: string;
  /** Folders whose paths an error report must not carry out (toErrorReport's localRoots). */
  localRoots?: string[];
}

/** What a worker thread answers: the job's result document, or why it failed. */
export type JobOutput =
  | { ok: true; result: Record<string, unknown> }
  | { ok: false; report: ErrorReport; /** The full reason, local paths and causes included, for this site's operator only. */ localReason?: string };
