import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { deltaFeatures, extractCohort, hasTimepoints, readManifest, toCsv, writeDurably, type ExtractOutcome } from '@fedrad/extraction';
import { formatCsvRow, readCsv, readOutcomeTable, type ExtractParams, type ExtractResult, type FeatureConfig } from '@fedrad/protocol';
import { CohortError, CohortTooSmallError } from '../errors.js';
import { extractedTables } from '../extractedTables.js';
import type { JobInput } from '../jobTypes.js';
import { ibsiDeclaration } from './ibsiDeclaration.js';
import { SOFTWARE_VERSION } from '../version.js';
import { pinnedConfigHash } from './pinnedConfig.js';
import { acquisitionCounts, failureCounts, featureSummaries } from './extractionQc.js';

type Extracted = Extract<ExtractOutcome, { ok: true }>;

/**
 * An `extract` job on an image cohort: the protocol's feature config (pinned by hash) over
 * every case of the manifest, through the extraction engine's worker pool and journal (a killed
 * daemon resumes where it stopped; the same config again reuses what is done). The site keeps
 * the features, the outcome rows that go with them and a named per-case QC file under
 * `<dataRoot>/features/`; the coordinator gets counts, per-feature means and SDs, failures by
 * reason and the acquisition parameters seen, as counts. A manifest with time points gives one
 * row of delta features per patient (baseline, absolute and relative change).
 */
export async function runExtractImages(input: JobInput): Promise<ExtractResult> {
  const params = input.envelope.params as ExtractParams;
  const configHash = pinnedConfigHash(params);
  const config = params.featureConfig as FeatureConfig;
  const cohort = input.cohort;
  const tables = extractedTables(cohort, configHash);
  mkdirSync(dirname(tables.all), { recursive: true });
  // Further segmentations (mask2, …) are the reproducibility step's; this job extracts each case's mask.
  const tasks = readManifest(cohort.images!, config, { segmentations: true });
  const run = await extractCohort({
    tasks,
    config,
    output: { path: tables.all, render: toCsv },
    caller: `fedrad-site@${SOFTWARE_VERSION}`,
  });

  // A manifest with time points gives one row of delta features per patient (deltaFeatures.ts).
  const delta = hasTimepoints(tasks) ? deltaFeatures(tasks, run.outcomes) : undefined;
  const perPatient = delta ? delta.outcomes : run.outcomes;
  const outcomeText = readOutcomeText(cohort.outcome, cohort.name);
  const outcomeIds = new Set(readOutcomeTable(outcomeText, cohort.outcome).ids);
  const extracted = perPatient.filter((o): o is Extracted => o.ok);
  const usable = extracted.filter((o) => outcomeIds.has(o.id));
  const missingOutcome = extracted.filter((o) => !outcomeIds.has(o.id)).map((o) => o.id);
  const manifestIds = new Set(tasks.map((t) => t.patientId ?? t.id));
  const usableIds = new Set(usable.map((o) => o.id));
  // The acquisitions behind the table's rows (a delta row rests on each of its time points' cases).
  const usableCases = run.outcomes.filter((o, i): o is Extracted => o.ok && usableIds.has(tasks[i].patientId ?? tasks[i].id));
  const outcomeWithoutImages = [...outcomeIds].filter((id) => !manifestIds.has(id));

  // The table the later jobs read: the cases with features and an outcome; a feature some case
  // could not compute (NaN) is left out of it and named in the QC file, since the table readers
  // refuse a missing value.
  const names = usable.length > 0 ? Object.keys(usable[0].features) : [];
  const incomplete = names.filter((n) => usable.some((o) => !Number.isFinite(o.features[n])));
  const complete = names.filter((n) => !incomplete.includes(n));
  const featureCsv = [formatCsvRow(['id', ...complete]), ...usable.map((o) => formatCsvRow([o.id, ...complete.map((n) => String(o.features[n]))]))].join('\n') + '\n';
  writeDurably(tables.features, featureCsv);
  writeDurably(tables.outcome, outcomeRows(outcomeText, cohort.outcome, usable.map((o) => o.id)));

  writeDurably(tables.qc, JSON.stringify({
    type: 'fedrad-site-extraction-qc',
    cohort: cohort.name,
    manifest: cohort.images,
    featureConfigHash: configHash,
    siteSoftware: SOFTWARE_VERSION,
    cases: tasks.length,
    failed: [...run.outcomes, ...(delta ? delta.outcomes : [])].filter((o) => !o.ok).map((o) => ({ id: o.id, code: (o as { code: string }).code, message: (o as { message: string }).message })),
    ...(delta ? { delta: { timepoints: delta.timepoints, baseline: delta.timepoints[0], noRelativeChange: delta.noRelativeChange } } : {}),
    missingOutcome,
    outcomeWithoutImages,
    featuresLeftOutForMissingValues: incomplete,
  }, null, 2) + '\n');

  // Fewer usable patients than the minimum: nothing about them may leave (the QC file above says why, for the operator).
  if (usable.length < input.minCohortSize) {
    throw new CohortTooSmallError(usable.length, input.minCohortSize, cohort.name, `patients with features and an outcome (which cases failed or lack an outcome: ${basename(tables.qc)})`);
  }
  const { summaries, suppressed } = featureSummaries(names, usable.map((o) => o.features), input.minCohortSize);
  return {
    kind: 'extract',
    patientCount: usable.length,
    failedCases: run.failed,
    featureCount: names.length,
    summaries,
    featureConfigHash: configHash,
    featureTableHash: createHash('sha256').update(featureCsv).digest('hex'),
    failures: failureCounts(delta ? [...run.outcomes, ...delta.outcomes] : run.outcomes),
    missingOutcome: missingOutcome.length,
    outcomeWithoutImages: outcomeWithoutImages.length,
    suppressedSummaries: suppressed,
    acquisition: acquisitionCounts(usableCases, input.minCohortSize),
    ...ibsiDeclaration(input.ibsiVerification),
  };
}

function readOutcomeText(file: string, cohort: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new CohortError(`Cohort "${cohort}": cannot read its outcome table ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`, { file }, e);
  }
}

/** The outcome table's header and the rows of `ids`, in that order, cells as the site wrote them. */
function outcomeRows(text: string, source: string, ids: readonly string[]): string {
  const records = readCsv(text, source);
  const header = records[0].cells;
  const idColumn = header.findIndex((h) => h.trim().toLowerCase() === 'id');
  const byId = new Map(records.slice(1).map((r) => [r.cells[idColumn], r.cells]));
  return [formatCsvRow(header), ...ids.map((id) => formatCsvRow(byId.get(id)!))].join('\n') + '\n';
}
