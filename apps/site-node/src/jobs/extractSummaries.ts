import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ExtractResult } from '@fedrad/protocol';
import { loadCohort } from '../cohortTables.js';
import type { JobInput } from '../jobTypes.js';

/**
 * An `extract` job on a site whose features are already extracted (`fedrad extract` writes
 * the table the registry points to): counts and per-feature summaries of that table —
 * n, mean, 1/(n−1) standard deviation — and the SHA-256 of its bytes, so the coordinator
 * can see scanner shifts between sites. The rows stay here, and so do the minimum and
 * maximum: each is one patient's exact value.
 */
export function runExtractSummaries(input: JobInput): ExtractResult {
  const cohort = loadCohort(input.cohort);
  const n = cohort.ids.length;
  const p = cohort.featureNames.length;
  const summaries = cohort.featureNames.map((name, j) => {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += cohort.x[i * p + j];
    mean /= n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (cohort.x[i * p + j] - mean) ** 2;
    return { name, n, mean, sd: n > 1 ? Math.sqrt(ss / (n - 1)) : 0, missing: 0 };
  });
  return {
    kind: 'extract',
    patientCount: n,
    failedCases: 0,
    featureCount: p,
    summaries,
    featureTableHash: createHash('sha256').update(readFileSync(input.cohort.features)).digest('hex'),
  };
}
