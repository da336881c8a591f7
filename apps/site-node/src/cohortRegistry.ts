import { CohortError } from './errors.js';
import type { CohortEntry } from './siteConfig.js';
import { readCohortIds } from './cohortTables.js';

/**
 * The site's local cohorts, as site.yaml lists them. At start-up the registry reads each
 * cohort's patient ids (feature and outcome tables must list the same patients) so that the
 * egress guard knows every local patient count and id. The tables themselves are read again
 * by the job that needs them, inside its worker thread.
 */
export interface RegisteredCohort extends CohortEntry {
  patientIds: string[];
}

export class CohortRegistry {
  private readonly cohorts = new Map<string, RegisteredCohort>();

  private constructor(entries: RegisteredCohort[]) {
    for (const c of entries) this.cohorts.set(c.name, c);
  }

  static load(entries: CohortEntry[]): CohortRegistry {
    const seen = new Set<string>();
    const registered = entries.map((entry) => {
      if (seen.has(entry.name)) throw new CohortError(`Cohort "${entry.name}" is listed twice in the site configuration.`, { field: 'cohorts' });
      seen.add(entry.name);
      return { ...entry, patientIds: readCohortIds(entry) };
    });
    return new CohortRegistry(registered);
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
    return new Set(this.list().flatMap((c) => c.patientIds));
  }
}
