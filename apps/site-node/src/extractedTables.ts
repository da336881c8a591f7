import type { CohortEntry } from './siteConfig.js';

/**
 * Where an image cohort's extraction for one feature config lives, beside the cohort's base
 * name `<dataRoot>/features/<cohort>.csv`. The config's hash is in every name, so a campaign
 * with another config never reads these, and the same config (another campaign, a re-sent
 * job) finds them already made.
 *
 *   <cohort>.<hash16>.all.csv        every case that extracted (and its journal, while running)
 *   <cohort>.<hash16>.csv            the cases that extracted AND have an outcome: what jobs read
 *   <cohort>.<hash16>.outcome.csv    their outcome rows, in the same order
 *   <cohort>.<hash16>.qc.json        what happened to each case, named: for this site's operator only
 *   <cohort>.<hash16>.reader<r>.csv  the reproducibility step's extraction of further segmentation r
 *                                    (manifest column mask<r>) of those cases (and its journal, while running)
 */
export interface ExtractedTables {
  all: string;
  features: string;
  outcome: string;
  qc: string;
}

/** The tables of `cohort` extracted with the config whose canonical hash is `featureConfigHash`. */
export function extractedTables(cohort: Pick<CohortEntry, 'features'>, featureConfigHash: string): ExtractedTables {
  const stem = `${cohort.features.replace(/\.csv$/i, '')}.${featureConfigHash.slice(0, 16)}`;
  return { all: `${stem}.all.csv`, features: `${stem}.csv`, outcome: `${stem}.outcome.csv`, qc: `${stem}.qc.json` };
}

/** Where the reproducibility step keeps its extraction of a further segmentation (manifest column `mask<reader>`, reader ≥ 2). */
export function readerTable(tables: Pick<ExtractedTables, 'features'>, reader: number): string {
  return tables.features.replace(/\.csv$/i, `.reader${reader}.csv`);
}
