import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { ExtractParams, ExtractResult, FeatureConfig } from '@fedrad/protocol';
import { loadCohort } from '../cohortTables.js';
import { CohortError } from '../errors.js';
import type { JobInput } from '../jobTypes.js';
import { ibsiDeclaration } from './ibsiDeclaration.js';
import { pinnedConfigHash, resolvedConfigHash } from './pinnedConfig.js';

/**
 * An `extract` job on a site whose features are already extracted (`fedrad extract` writes
 * the table the registry points to). The table must have been made with the job's feature
 * config: its provenance (`<table>.provenance.json`, written by `fedrad extract --out`) must
 * record that config, defaults filled in; otherwise the job is refused, naming both. Then: counts and per-feature summaries of that table —
 * n, mean, 1/(n−1) standard deviation — and the SHA-256 of its bytes, so the coordinator
 * can see scanner shifts between sites. The rows stay here, and so do the minimum and
 * maximum: each is one patient's exact value.
 */
export function runExtractSummaries(input: JobInput): ExtractResult {
  const params = input.envelope.params as ExtractParams;
  const featureConfigHash = pinnedConfigHash(params);
  assertMadeWith(input.cohort.name, input.cohort.features, params.featureConfig as FeatureConfig);
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
    featureConfigHash,
    featureTableHash: createHash('sha256').update(readFileSync(input.cohort.features)).digest('hex'),
    ...ibsiDeclaration(input.ibsiVerification),
  };
}

function assertMadeWith(cohort: string, table: string, config: FeatureConfig): void {
  const sidecar = `${table}.provenance.json`;
  const wanted = resolvedConfigHash(config);
  if (!existsSync(sidecar)) {
    throw new CohortError(
      `Cohort "${cohort}" is a feature table without provenance (${sidecar} is missing), so this site cannot show it was extracted with the campaign's feature config (${wanted} with defaults). ` +
        'Extract it again with `fedrad extract --config <the protocol\'s featureConfig> --out` (which writes the provenance), or list the images in site.yaml (images: manifest.csv) for the campaign to extract.',
      { file: table },
    );
  }
  let recorded: unknown;
  try {
    recorded = (JSON.parse(readFileSync(sidecar, 'utf8')) as { config?: { sha256?: unknown } }).config?.sha256;
  } catch (e) {
    throw new CohortError(`Cohort "${cohort}": its provenance ${sidecar} is not JSON (${(e as Error).message}).`, { file: sidecar }, e);
  }
  if (recorded !== wanted) {
    throw new CohortError(
      `Cohort "${cohort}" was extracted with feature config ${String(recorded)} (${sidecar}), not the campaign's ${wanted} (defaults filled in): its features are not the ones the protocol pins. Extract it again with the protocol's featureConfig.`,
      { file: table },
    );
  }
}
