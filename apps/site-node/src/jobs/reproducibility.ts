import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { extractCohort, extractPerturbed, hasTimepoints, parsePerturbation, readManifest, toCsv, type ExtractOutcome, type ExtractTask } from '@fedrad/extraction';
import { iccSiteSummary, type FeatureRows } from '@fedrad/harmonize';
import { readFeatureTable, type FeatureConfig, type ReproducibilityParams, type ReproducibilityResult } from '@fedrad/protocol';
import { CohortError, CohortTooSmallError, JobInputError } from '../errors.js';
import { readerTable } from '../extractedTables.js';
import type { JobInput } from '../jobTypes.js';
import { SOFTWARE_VERSION } from '../version.js';
import { pinnedConfigHash } from './pinnedConfig.js';

/**
 * A `reproducibility` job (issue #12 item 1, the campaign's reproducibility step): every patient of
 * the extract step's table measured k ≥ 2 times with the protocol's pinned feature config — by its
 * further segmentations (manifest columns mask2, mask3, …: the table itself is reader 1) or by
 * re-extraction under the protocol's perturbations (Zwanenburg et al. 2019) — and the two-way ANOVA
 * sums of those k measurements per feature (@fedrad/harmonize's iccSiteSummary), which is all that
 * leaves. A further segmentation's extraction is kept beside the table (extractedTables.ts), through
 * the engine's journal, so a re-sent job extracts nothing again.
 */
export async function runReproducibility(input: JobInput): Promise<ReproducibilityResult> {
  const params = input.envelope.params as ReproducibilityParams;
  const configHash = pinnedConfigHash(params);
  const config = params.featureConfig as FeatureConfig;
  const cohort = input.cohort;
  if (!cohort.images) {
    throw new JobInputError(`Cohort "${cohort.name}" is a feature table; the reproducibility step measures each patient again from the images (further segmentations or perturbations), so it needs an image cohort (a manifest under "images").`, { field: 'cohort' });
  }
  // The extract step's table: the patients with features and an outcome, and the features all of them have.
  const table = readFeatureTable(readFileSync(cohort.features, 'utf8'), basename(cohort.features));
  const tasks = readManifest(cohort.images, config, { segmentations: true });
  if (hasTimepoints(tasks)) {
    throw new JobInputError(`Cohort "${cohort.name}" has time points (delta features); the reproducibility step measures one acquisition per patient, so it does not run on a delta cohort.`, { field: 'cohort' });
  }
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const cases = table.ids.map((id) => {
    const task = byId.get(id);
    if (!task) throw new CohortError(`Case ${id} is in the extracted table but no longer in the manifest of cohort "${cohort.name}"; the measurements must be of the patients the extraction step summarised.`, { caseId: id });
    return task;
  });
  if (cases.length < input.minCohortSize) throw new CohortTooSmallError(cases.length, input.minCohortSize, cohort.name, 'patients with features and an outcome');

  const readers = params.source === 'segmentations'
    ? [table, ...(await furtherSegmentations(cases, config, cohort.name, cohort.features, table.featureNames))]
    : perturbed(cases, params, table.featureNames);
  const summary = iccSiteSummary(readers, { siteId: input.siteId, minCohortSize: input.minCohortSize });
  const k = summary.readerCount;
  return {
    kind: 'reproducibility',
    patientCount: summary.patientCount,
    readerCount: k,
    source: params.source,
    featureConfigHash: configHash,
    features: summary.featureNames.map((name, f) => ({
      name,
      mean: summary.mean[f],
      betweenCases: summary.betweenCases[f],
      withinCases: summary.withinCases[f],
      readerDeviation: summary.readerDeviation.slice(f * k, (f + 1) * k),
    })),
  };
}

/** Readers 2…k: each case's mask2, mask3, … extracted like its mask, every case and feature of the table present. */
async function furtherSegmentations(cases: readonly ExtractTask[], config: FeatureConfig, cohortName: string, tableFile: string, featureNames: readonly string[]): Promise<FeatureRows[]> {
  if (cases.some((t) => !t.segmentations?.length)) {
    throw new JobInputError(`Cohort "${cohortName}": the protocol's reproducibility step compares segmentations, and the manifest gives no further segmentation (columns mask2, mask3, …) of its cases. Add a second reader's masks, or run a protocol whose reproducibility.source is perturbations.`, { field: 'segmentations' });
  }
  const further = cases[0].segmentations!.length;
  const rows: FeatureRows[] = [];
  for (let r = 0; r < further; r++) {
    const reader = r + 2;
    const run = await extractCohort({
      tasks: cases.map(({ segmentations, ...task }) => ({ ...task, mask: segmentations![r] })),
      config,
      output: { path: readerTable({ features: tableFile }, reader), render: toCsv },
      caller: `fedrad-site@${SOFTWARE_VERSION}`,
    });
    rows.push(readerRows(run.outcomes, featureNames, `mask${reader}`));
  }
  return rows;
}

/** One reader's rows in the table's feature order; a case that failed or a feature it could not compute is refused by name. */
function readerRows(outcomes: readonly ExtractOutcome[], featureNames: readonly string[], reader: string): FeatureRows {
  const p = featureNames.length;
  const values = new Float64Array(outcomes.length * p);
  outcomes.forEach((o, i) => {
    if (!o.ok) throw new CohortError(`Case ${o.id}: its ${reader} segmentation could not be extracted (${o.code}: ${o.message}); every patient of the reproducibility step is measured by every reader.`, { caseId: o.id, field: reader });
    featureNames.forEach((name, j) => {
      const v = o.features[name];
      if (!Number.isFinite(v)) throw new CohortError(`Case ${o.id}: feature ${name} has no value on its ${reader} segmentation (it has one on its mask); every feature must be measured by every reader.`, { caseId: o.id, field: name });
      values[i * p + j] = v;
    });
  });
  return { ids: outcomes.map((o) => o.id), featureNames, values, source: reader };
}

/** One reader per perturbation of the protocol: the table's features of every case re-extracted under it. */
function perturbed(cases: readonly ExtractTask[], params: ReproducibilityParams, featureNames: readonly string[]): FeatureRows[] {
  const perturbations = (params.perturbations ?? []).map(parsePerturbation);
  if (perturbations.length < 2) throw new JobInputError(`The reproducibility job measures by perturbations and lists ${perturbations.length}; it needs at least two.`, { field: 'perturbations' });
  const { tables } = extractPerturbed(cases, perturbations, params.seed ?? 1);
  return tables.map((t) => {
    const column = new Map(t.featureNames.map((f, j) => [f, j]));
    const p = featureNames.length;
    const values = new Float64Array(t.ids.length * p);
    t.ids.forEach((id, i) => featureNames.forEach((name, j) => {
      const v = column.has(name) ? t.values[i * t.featureNames.length + column.get(name)!] : NaN;
      if (!Number.isFinite(v)) throw new CohortError(`Case ${id}: feature ${name} has no value under ${t.source}; every feature must be measured under every perturbation.`, { caseId: id, field: name });
      values[i * p + j] = v;
    }));
    return { ids: t.ids, featureNames, values, source: t.source };
  });
}
