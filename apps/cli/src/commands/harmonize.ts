import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import {
  DEFAULT_MIN_COHORT_SIZE, applyStandardisation, runCombatTwin, zscoreCombine, zscorePooled, zscoreSite, zscoreSiteMoments,
  type CombatRows,
} from '@fedrad/harmonize';
import { formatCsvRow, readFeatureTable, readSiteTable, type FeatureCsv } from '@fedrad/protocol';
import { CliUsageError } from '../errors.js';
import { countFlag } from '../numberFlags.js';
import { checkOutputPath, readInputText } from '../commandFiles.js';
import { provenanceOf, provenancePath } from '../provenance.js';
import { partitionBySite, selectRows } from '../sitePartition.js';

export type HarmonizeMethod = 'combat' | 'zscore-site' | 'zscore-pooled';

export interface HarmonizeOptions {
  method: HarmonizeMethod;
  features: string;
  sites?: string;
  covariates?: string;
  referenceSite?: string;
  meanOnly?: boolean;
  nonParametric?: boolean;
  minCohort?: number;
  out: string;
}

export interface HarmonizeRun {
  out: string;
  cases: number;
  features: number;
  /** Cases per site, when run over sites. */
  sites?: Record<string, number>;
}

/**
 * `fedrad harmonize`: the local twin of a harmonisation campaign. With --sites the cases are split
 * into the sites of S.csv and @fedrad/harmonize's site and coordinator functions run over them in
 * this process (ComBat's two rounds and its application; pooled z-scoring's moments and their
 * combination; per-site z-scoring, which never leaves a site). Writes H.csv with F.csv's header,
 * cases and order, and H.csv.provenance.json.
 */
export function runHarmonize(o: HarmonizeOptions): HarmonizeRun {
  const combatOnly = ([['--covariates', o.covariates], ['--reference-site', o.referenceSite], ['--mean-only', o.meanOnly || undefined], ['--non-parametric', o.nonParametric || undefined]] as const)
    .filter(([, v]) => v !== undefined).map(([flag]) => flag);
  if (o.method !== 'combat' && combatOnly.length > 0) throw new CliUsageError(`${combatOnly.join(', ')} ${combatOnly.length > 1 ? 'are' : 'is'} ComBat's; give --method combat, or drop ${combatOnly.length > 1 ? 'them' : 'it'}`);
  if (o.method !== 'zscore-pooled' && o.sites === undefined) throw new CliUsageError(`--method ${o.method} harmonises across sites; give --sites S.csv (id,site)`);
  if (o.sites === undefined && o.minCohort !== undefined) throw new CliUsageError('--min-cohort is the smallest site of --sites S.csv; give --sites too');
  const features = readFeatureTable(readInputText(o.features, 'features'), o.features);
  const covariates = o.covariates === undefined ? undefined : alignCovariates(features, readFeatureTable(readInputText(o.covariates, 'covariates'), o.covariates), o);
  checkOutputPath(o.out, 'harmonised features');
  const p = features.featureNames.length;
  const out = new Float64Array(features.values.length);
  let siteCounts: Record<string, number> | undefined;
  if (o.sites === undefined) {
    out.set(zscorePooled(features));
  } else {
    const partition = partitionBySite(features.ids, readSiteTable(readInputText(o.sites, 'sites'), o.sites), { table: o.features, sites: o.sites });
    if (o.referenceSite !== undefined && !partition.has(o.referenceSite)) throw new CliUsageError(`--reference-site ${o.referenceSite} is not a site of ${o.sites} (${[...partition.keys()].join(', ')})`);
    siteCounts = Object.fromEntries([...partition].map(([s, rows]) => [s, rows.length]));
    const rowsOf = new Map([...partition].map(([s, rows]): [string, CombatRows] => [s, {
      ids: rows.map((i) => features.ids[i]),
      featureNames: features.featureNames,
      values: selectRows(features.values, p, rows),
      source: `${o.features} (site ${s})`,
      ...(covariates ? { covariateNames: covariates.names, covariates: selectRows(covariates.values, covariates.names.length, rows) } : {}),
    }]));
    const minCohortSize = o.minCohort ?? DEFAULT_MIN_COHORT_SIZE;
    const harmonised = harmonisedBySite(o, rowsOf, minCohortSize);
    for (const [s, rows] of partition) rows.forEach((i, r) => out.set(harmonised.get(s)!.subarray(r * p, (r + 1) * p), i * p));
  }
  const lines = [formatCsvRow(['id', ...features.featureNames]), ...features.ids.map((id, i) => formatCsvRow([id, ...out.subarray(i * p, (i + 1) * p)]))];
  writeFileSync(o.out, lines.join('\n') + '\n');
  const config = {
    method: o.method,
    federated: o.sites !== undefined,
    ...(o.method === 'combat' ? { meanOnly: o.meanOnly ?? false, nonParametric: o.nonParametric ?? false, referenceSite: o.referenceSite ?? null, covariates: covariates?.names ?? [] } : {}),
    ...(o.sites !== undefined ? { minCohortSize: o.minCohort ?? DEFAULT_MIN_COHORT_SIZE } : {}),
  };
  const provenance = provenanceOf(o.out, {
    command: 'fedrad harmonize',
    inputs: [
      { role: 'features', path: o.features },
      ...(o.sites !== undefined ? [{ role: 'sites', path: o.sites }] : []),
      ...(o.covariates !== undefined ? [{ role: 'covariates', path: o.covariates }] : []),
    ],
    config: { value: config },
    details: { cases: features.ids.length, features: p, ...(siteCounts ? { sites: siteCounts } : {}) },
  });
  writeFileSync(provenancePath(o.out), JSON.stringify(provenance, null, 2) + '\n');
  return { out: o.out, cases: features.ids.length, features: p, ...(siteCounts ? { sites: siteCounts } : {}) };
}

/** Each site's harmonised rows, by the site and coordinator functions of the chosen method. */
function harmonisedBySite(o: HarmonizeOptions, rowsOf: Map<string, CombatRows>, minCohortSize: number): Map<string, Float64Array> {
  if (o.method === 'combat') {
    return runCombatTwin(rowsOf, {
      meanOnly: o.meanOnly ?? false,
      nonParametric: o.nonParametric ?? false,
      ...(o.referenceSite !== undefined ? { referenceBatch: o.referenceSite } : {}),
    }, minCohortSize).harmonised;
  }
  if (o.method === 'zscore-site') return new Map([...rowsOf].map(([s, rows]) => [s, zscoreSite(rows, s)]));
  const standardisation = zscoreCombine(new Map([...rowsOf].map(([s, rows]) => [s, zscoreSiteMoments(rows, { siteId: s, minCohortSize })])));
  return new Map([...rowsOf].map(([s, rows]) => [s, applyStandardisation(rows, standardisation, s)]));
}

/** C.csv's columns in F.csv's case order; a case either table lacks is refused, naming it and the file. */
function alignCovariates(features: FeatureCsv, table: FeatureCsv, o: HarmonizeOptions): { names: string[]; values: Float64Array } {
  const row = new Map(table.ids.map((id, i) => [id, i]));
  const missing = features.ids.find((id) => !row.has(id));
  if (missing !== undefined) throw new CliUsageError(`${o.covariates} has no row for case "${missing}" of ${o.features}; every case needs its covariates`);
  const known = new Set(features.ids);
  const extra = table.ids.find((id) => !known.has(id));
  if (extra !== undefined) throw new CliUsageError(`${o.covariates} lists case "${extra}", which ${o.features} does not have`);
  const q = table.featureNames.length;
  return { names: table.featureNames, values: selectRows(table.values, q, features.ids.map((id) => row.get(id)!)) };
}

export function register(program: Command): void {
  program
    .command('harmonize')
    .description('Harmonise features across sites (ComBat, or z-scoring per site or pooled); writes --out (same shape as --features) and --out + .provenance.json')
    .addOption(new Option('--method <name>', 'combat: ComBat with empirical-Bayes priors (Johnson et al. 2007), run as distributed ComBat (Chen et al. 2022), equal to sva::ComBat; zscore-site: each site to mean 0, sd 1; zscore-pooled: all cases to the pooled mean and sd').choices(['combat', 'zscore-site', 'zscore-pooled']).makeOptionMandatory())
    .requiredOption('--features <csv>', 'features CSV (id + one numeric column per feature, as written by fedrad extract)')
    .option('--sites <csv>', 'id,site: the batch of each case; the site and coordinator functions run over these sites in one process (the local twin of a campaign). Required by combat and zscore-site')
    .option('--covariates <csv>', 'combat: id + numeric columns whose effects are preserved (e.g. the label, age); every case needs every column')
    .option('--reference-site <id>', 'combat: a site left unchanged, the others brought to it (sva\'s ref.batch)')
    .option('--mean-only', 'combat: adjust the location only, not the scale (sva\'s mean.only)')
    .option('--non-parametric', 'combat: the non-parametric empirical-Bayes prior (sva\'s par.prior = FALSE)')
    .option('--min-cohort <n>', `with --sites: the fewest cases a site may have (default ${DEFAULT_MIN_COHORT_SIZE}, as a campaign)`, countFlag('min-cohort'))
    .requiredOption('--out <csv>', 'where to write the harmonised features')
    .addHelpText(
      'after',
      '\nExample:\n  fedrad harmonize --method combat --features features.csv --sites sites.csv --covariates label.csv --out harmonised.csv\n' +
        '  writes harmonised.csv (the rows and columns of features.csv) and harmonised.csv.provenance.json.',
    )
    .action((opts: HarmonizeOptions) => {
      const r = runHarmonize(opts);
      const where = r.sites ? ` over ${Object.entries(r.sites).map(([s, n]) => `${s} (${n})`).join(', ')}` : '';
      process.stdout.write(`harmonised ${r.cases} cases × ${r.features} features by ${opts.method}${where}\nout: ${r.out}\n`);
    });
}
