import { readFileSync } from 'node:fs';
import { readCovariateTable } from '@fedrad/protocol';
import { CohortError } from './errors.js';
import type { CohortEntry } from './siteConfig.js';

/**
 * How many of a cohort's patients have each covariate (a campaign's clinical baseline uses the
 * patients with all of them): counts only, the same shape whether the site keeps it or reports it.
 */
export interface ClinicalCoverage {
  patients: number;
  /** Patients with every requested covariate. */
  complete: number;
  /** Patients the clinical table has no row for (every covariate missing). */
  noRow: number;
  /** Per covariate, the patients without a value (no row included). */
  missing: Array<{ covariate: string; patients: number }>;
}

/** A cohort's covariates, row for row with its patients. */
export interface ClinicalRows {
  covariates: string[];
  /** Row-major n × q in the order of the patient ids given; NaN where the value is missing. */
  values: Float64Array;
  coverage: ClinicalCoverage;
  /** Whether each patient has every covariate. */
  complete: boolean[];
}

/** The covariates this cohort offers: its site.yaml `columns`, else every column of its table. */
export function offeredCovariates(entry: CohortEntry): string[] {
  if (!entry.clinical) return [];
  if (entry.clinical.columns) return entry.clinical.columns;
  return readCovariateTable(readTable(entry), entry.clinical.table).covariateNames;
}

function readTable(entry: CohortEntry): string {
  try {
    return readFileSync(entry.clinical!.table, 'utf8');
  } catch (e) {
    throw new CohortError(`Cohort "${entry.name}": cannot read its clinical table ${entry.clinical!.table} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`, { file: entry.clinical!.table }, e);
  }
}

/**
 * The requested covariates (default: all the cohort offers) for the patients `ids`, in their
 * order. Refused, by name: a cohort without a clinical table, a covariate the site does not
 * offer. A patient without a row, or a row with an empty cell, is kept with NaN and counted.
 */
export function loadClinical(entry: CohortEntry, ids: readonly string[], covariates?: readonly string[]): ClinicalRows {
  if (!entry.clinical) {
    throw new CohortError(`Cohort "${entry.name}" has no clinical table in site.yaml (add clinical: { table, columns } to the cohort); the campaign asks for clinical covariates.`, { field: 'clinical' });
  }
  const offered = entry.clinical.columns;
  const wanted = covariates ? [...covariates] : offered;
  const notOffered = offered && wanted ? wanted.filter((c) => !offered.includes(c)) : [];
  if (notOffered.length > 0) {
    throw new CohortError(`Cohort "${entry.name}": covariate ${notOffered.map((c) => `"${c}"`).join(', ')} is not among the clinical columns this site offers (${offered!.join(', ')}).`, { field: 'clinical/columns', file: entry.clinical.table });
  }
  const table = readCovariateTable(readTable(entry), entry.clinical.table, wanted);
  const q = table.covariateNames.length;
  const rowOf = new Map(table.ids.map((id, i) => [id, i]));
  const values = new Float64Array(ids.length * q).fill(NaN);
  const missingBy = new Array<number>(q).fill(0);
  const complete: boolean[] = [];
  let noRow = 0;
  ids.forEach((id, i) => {
    const r = rowOf.get(id);
    if (r === undefined) noRow++;
    else values.set(table.values.subarray(r * q, (r + 1) * q), i * q);
    let all = true;
    for (let k = 0; k < q; k++) {
      if (Number.isNaN(values[i * q + k])) {
        missingBy[k]++;
        all = false;
      }
    }
    complete.push(all);
  });
  const coverage: ClinicalCoverage = {
    patients: ids.length,
    complete: complete.filter(Boolean).length,
    noRow,
    missing: table.covariateNames.map((covariate, k) => ({ covariate, patients: missingBy[k] })),
  };
  return { covariates: table.covariateNames, values, coverage, complete };
}

/** One line for the site's operator: how many patients lack what. */
export function coverageLine(cohort: string, c: ClinicalCoverage): string {
  const gaps = c.missing.filter((m) => m.patients > 0).map((m) => `${m.covariate} ${m.patients}`);
  return `cohort "${cohort}": clinical covariates complete for ${c.complete} of ${c.patients} patients${c.noRow ? `; ${c.noRow} without a row in the clinical table` : ''}${gaps.length ? `; missing: ${gaps.join(', ')}` : ''}`;
}
