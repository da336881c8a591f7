import { readFileSync } from 'node:fs';
import { alignOutcome, readFeatureTable, readOutcomeTable, type FeatureTable, type OutcomeTable } from '@fedrad/learn';
import { CohortError } from './errors.js';
import type { CohortEntry } from './siteConfig.js';

/**
 * A cohort's feature and outcome tables, read with the learning engine's readers (the table
 * formats every fedrad command shares) and joined on id. Only the site ever holds these.
 */
export interface CohortData {
  ids: string[];
  featureNames: string[];
  /** Row-major n × p, raw (unstandardised) values, in `featureNames` order. */
  x: Float64Array;
  outcome: OutcomeTable;
  table: FeatureTable;
}

function readText(file: string, what: string, cohort: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new CohortError(`Cohort "${cohort}": cannot read its ${what} ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`, { file }, e);
  }
}

/** Reads both tables, checks they list the same patients, and keeps the requested features. */
export function loadCohort(entry: CohortEntry, featureNames?: string[]): CohortData {
  const table = readFeatureTable(readText(entry.features, 'features table', entry.name), entry.features);
  const outcomeAll = readOutcomeTable(readText(entry.outcome, 'outcome table', entry.name), entry.outcome);
  const outcome = alignOutcome(table, outcomeAll, entry.outcome);
  if (outcomeAll.ids.length !== table.ids.length) {
    const known = new Set(table.ids);
    const extra = outcomeAll.ids.find((id) => !known.has(id));
    throw new CohortError(`Cohort "${entry.name}": ${entry.outcome} lists case ${extra}, which ${entry.features} does not have.`, { caseId: extra, file: entry.outcome });
  }
  const names = featureNames ?? table.featureNames;
  const column = new Map(table.featureNames.map((f, j) => [f, j]));
  const missing = names.filter((f) => !column.has(f));
  if (missing.length > 0) {
    throw new CohortError(`Cohort "${entry.name}": ${entry.features} has no column ${missing.map((m) => `"${m}"`).join(', ')} that the campaign's model needs.`, { field: missing[0], file: entry.features });
  }
  const n = table.ids.length;
  const q = table.featureNames.length;
  const p = names.length;
  const cols = names.map((f) => column.get(f)!);
  const x = new Float64Array(n * p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) x[i * p + j] = table.values[i * q + cols[j]];
  return { ids: table.ids, featureNames: names, x, outcome, table };
}

/** Patient ids of a cohort (what the egress guard must know), validating both tables. */
export function readCohortIds(entry: CohortEntry): string[] {
  return loadCohort(entry).ids;
}
