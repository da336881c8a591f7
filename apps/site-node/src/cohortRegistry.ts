import { existsSync, readFileSync, statSync } from 'node:fs';
import { readManifest } from '@fedrad/extraction';
import { isFedRadError, readCsv } from '@fedrad/protocol';
import { CohortError } from './errors.js';
import type { CohortEntry } from './siteConfig.js';
import { readCohortIds } from './cohortTables.js';
import { coverageLine, loadClinical } from './clinicalTable.js';

/**
 * The site's local cohorts, as site.yaml lists them. At start-up the registry reads each
 * cohort's patient ids (feature and outcome tables must list the same patients) so that the
 * egress guard knows every local patient count and id. The tables themselves are read again
 * by the job that needs them, inside its worker thread.
 */
export interface RegisteredCohort extends CohortEntry {
  patientIds: string[];
  /** Why the tables could not be read (jobs on this cohort then fail with it, as error reports). */
  problem?: { code: string; message: string };
  /** Size and modification time of both tables when their ids were read. */
  stamp: string;
}

export class CohortRegistry {
  private readonly cohorts = new Map<string, RegisteredCohort>();
  private ids?: Set<string>;

  private constructor(entries: RegisteredCohort[], private readonly warn: (line: string) => void) {
    for (const c of entries) this.cohorts.set(c.name, c);
  }

  /**
   * Reads every cohort. A cohort whose tables are broken (a missing value, a ragged row) does
   * not stop the daemon: it is registered with its problem, the jobs that use it fail with
   * that error — so the coordinator's operator sees it — and the egress guard still learns
   * its patient ids from the first column of the features file.
   */
  static load(entries: CohortEntry[], warn: (line: string) => void = () => {}): CohortRegistry {
    const seen = new Set<string>();
    const registered = entries.map((entry): RegisteredCohort => {
      if (seen.has(entry.name)) throw new CohortError(`Cohort "${entry.name}" is listed twice in the site configuration.`, { field: 'cohorts' });
      seen.add(entry.name);
      const cohort = register(entry, warn);
      checkClinical(cohort, warn);
      return cohort;
    });
    return new CohortRegistry(registered, warn);
  }

  /**
   * Reads the named cohort's ids again if either table changed since they were read (a data
   * manager added patients while the daemon ran), so that the egress guard never judges a
   * job's result against an outdated patient list. Called as each job starts.
   */
  refresh(name?: string): RegisteredCohort {
    const cohort = this.get(name);
    if (stampOf(cohort) === cohort.stamp) return cohort;
    const fresh = register(cohort, this.warn);
    this.warn(`cohort "${cohort.name}" changed on disk: ${fresh.patientIds.length} patients now (were ${cohort.patientIds.length})`);
    this.cohorts.set(cohort.name, fresh);
    this.ids = undefined;
    return fresh;
  }

  /** The named cohort, or the first one listed when the job names none. */
  get(name?: string): RegisteredCohort {
    if (name === undefined) return this.cohorts.values().next().value as RegisteredCohort;
    const cohort = this.cohorts.get(name);
    if (!cohort) throw new CohortError(`This site has no cohort named "${name}" (it has: ${[...this.cohorts.keys()].join(', ')}).`, { field: 'cohort' });
    return cohort;
  }

  list(): RegisteredCohort[] {
    return [...this.cohorts.values()];
  }

  patientCounts(): number[] {
    return this.list().map((c) => c.patientIds.length);
  }

  patientIds(): Set<string> {
    this.ids ??= new Set(this.list().flatMap((c) => c.patientIds));
    return this.ids;
  }
}

/**
 * Reads a cohort's clinical table at start-up so its operator sees at once what it holds: how many
 * patients lack which covariate, or why the table cannot be used (the jobs that need it then fail
 * with that error; the cohort's other jobs are not affected).
 */
function checkClinical(cohort: RegisteredCohort, warn: (line: string) => void): void {
  if (!cohort.clinical) return;
  try {
    warn(coverageLine(cohort.name, loadClinical(cohort, cohort.patientIds).coverage));
  } catch (error) {
    warn(`cohort "${cohort.name}": its clinical table cannot be used: ${error instanceof Error ? error.message : String(error)}; jobs that need it will fail with this error`);
  }
}

function register(entry: CohortEntry, warn: (line: string) => void): RegisteredCohort {
  const stamp = stampOf(entry);
  if (entry.images) return registerImages(entry, stamp);
  try {
    return { ...entry, patientIds: readCohortIds(entry), stamp };
  } catch (error) {
    if (!existsSync(entry.features)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    warn(`cohort "${entry.name}" cannot be used: ${message}; jobs on it will fail with this error`);
    return { ...entry, patientIds: firstColumn(entry.features), problem: { code: isFedRadError(error) ? error.code : 'COHORT_INVALID', message }, stamp };
  }
}

/**
 * An image cohort: its patients are the manifest's cases and the outcome table's rows (the
 * egress guard must know them all, extracted or not). A manifest that cannot be read stops the
 * daemon at start: nothing of the cohort could be used.
 */
function registerImages(entry: CohortEntry, stamp: string): RegisteredCohort {
  const cases = readManifest(entry.images!, {}, { segmentations: true }).map((t) => t.patientId ?? t.id);
  const outcomeIds = existsSync(entry.outcome) ? firstColumn(entry.outcome) : [];
  return { ...entry, patientIds: [...new Set([...cases, ...outcomeIds])], stamp };
}

function stampOf(entry: CohortEntry): string {
  return [entry.images ?? entry.features, entry.outcome].map((f) => {
    try {
      const s = statSync(f);
      return `${s.size}:${s.mtimeMs}`;
    } catch {
      return 'missing';
    }
  }).join('|');
}

/**
 * Ids from a features file the table reader refused, so the egress guard still knows them: its
 * first column, header dropped, read as CSV (quoted ids may hold commas); a file that is not
 * even CSV falls back to the text before each line's first comma.
 */
function firstColumn(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  let cells: string[];
  try {
    cells = readCsv(text, file).slice(1).map((record) => record.cells[0] ?? '');
  } catch {
    cells = text.split(/\r?\n/).slice(1).map((line) => line.split(',')[0].trim().replace(/^"|"$/g, ''));
  }
  return cells.filter((id) => id.length > 0);
}
