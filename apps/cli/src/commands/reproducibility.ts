import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import {
  DEFAULT_MIN_COHORT_SIZE, ICC_FORMS, ICC_FORM_MEANING, filterReproducible, icc, iccCombine, iccSiteSummary, kooLiBand,
  type FeatureRows, type IccFeatureResult, type IccForm,
} from '@fedrad/harmonize';
import { extractCohort, extractPerturbed, parsePerturbation, readManifest } from '@fedrad/extraction';
import { readFeatureTable, readSiteTable, type FeatureCsv } from '@fedrad/protocol';
import { loadConfig } from './extract.js';
import { CliUsageError } from '../errors.js';
import { countFlag, numberFlag as number } from '../numberFlags.js';
import { checkOutputPath, readInputText } from '../commandFiles.js';
import { provenanceOf, provenancePath } from '../provenance.js';
import { partitionBySite, selectRows } from '../sitePartition.js';

export interface ReproducibilityOptions {
  /** Two or more tables of the same cases: one per segmentation, reader or perturbation. */
  features: string[];
  /**
   * Or a cohort manifest whose cases are extracted under each of `perturbation` (Zwanenburg et al.
   * 2019), or, without `perturbation`, from each of its segmentations (mask, mask2, …): what a
   * campaign site's reproducibility step measures.
   */
  manifest?: string;
  perturbation: string[];
  config?: string;
  seed?: number;
  sites?: string;
  minCohort?: number;
  confidence?: number;
  form?: IccForm;
  threshold?: number;
  on?: 'estimate' | 'lower';
  out: string;
}

/**
 * `fedrad reproducibility`: every ICC form of every feature, with its confidence interval and Koo &
 * Li band, from k ≥ 2 feature tables of the same cases. With --sites, the local twin: each site's
 * ANOVA sums are computed on its own cases and the coordinator combines them (the same numbers as
 * without --sites, which the tests check). With --threshold, which features a campaign would keep.
 */
export async function runReproducibility(o: ReproducibilityOptions): Promise<{ out: string; cases: number; features: number; measurements: number; kept?: number }> {
  if (o.manifest === undefined) {
    const perturbationOnly = ([['--perturbation', o.perturbation.length ? o.perturbation : undefined], ['--config', o.config], ['--seed', o.seed]] as const).filter(([, v]) => v !== undefined).map(([f]) => f);
    if (perturbationOnly.length) throw new CliUsageError(`${perturbationOnly.join(', ')} belong${perturbationOnly.length > 1 ? '' : 's'} to --manifest (extraction under perturbations); give --manifest, or drop ${perturbationOnly.length > 1 ? 'them' : 'it'}`);
    if (o.features.length < 2) throw new CliUsageError(`give --features once per segmentation, reader or perturbation of the same cases (at least two); got ${o.features.length}`);
  } else {
    if (o.features.length > 0) throw new CliUsageError('--manifest extracts the measurements itself; give either --features tables or --manifest with --perturbation, not both');
    if (o.perturbation.length === 1) throw new CliUsageError(`give --perturbation at least twice (e.g. none, rotate:10, dilate:1): each is one measurement of every case; got ${o.perturbation.length}`);
    if (o.perturbation.length === 0 && o.seed !== undefined) throw new CliUsageError('--seed is the seed of the noise perturbations; give --perturbation too, or drop it');
  }
  if ((o.form !== undefined || o.on !== undefined) && o.threshold === undefined) throw new CliUsageError('--form and --on choose what --threshold is compared with; give --threshold too');
  if (o.sites === undefined && o.minCohort !== undefined) throw new CliUsageError('--min-cohort is the smallest site of --sites S.csv; give --sites too');
  const confidence = o.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1)) throw new CliUsageError(`--confidence must lie strictly between 0 and 1, got ${confidence}`);
  checkOutputPath(o.out, 'ICC report');
  const readers: FeatureCsv[] = o.manifest === undefined
    ? o.features.map((path, r) => readFeatureTable(readInputText(path, `features (reader ${r + 1})`), path))
    : o.perturbation.length > 0 ? await perturbedTables(o.manifest, o) : await segmentationTables(o.manifest, o);
  let results: IccFeatureResult[];
  let siteCounts: Record<string, number> | undefined;
  if (o.sites === undefined) {
    results = icc(readers, { confidence });
  } else {
    const [first] = readers;
    const partition = partitionBySite(first.ids, readSiteTable(readInputText(o.sites, 'sites'), o.sites), { table: o.manifest ?? o.features[0], sites: o.sites });
    siteCounts = Object.fromEntries([...partition].map(([s, rows]) => [s, rows.length]));
    const minCohortSize = o.minCohort ?? DEFAULT_MIN_COHORT_SIZE;
    const summaries = new Map([...partition].map(([siteId, rows]) => {
      const ids = new Set(rows.map((i) => first.ids[i]));
      // Each reader's table restricted to the site's cases (a case the first table lacks is refused by the alignment).
      const siteReaders: FeatureRows[] = readers.map((table) => {
        const mine = table.ids.flatMap((id, i) => (ids.has(id) ? [i] : []));
        return { ids: mine.map((i) => table.ids[i]), featureNames: table.featureNames, values: selectRows(table.values, table.featureNames.length, mine), source: table.source };
      });
      return [siteId, iccSiteSummary(siteReaders, { siteId, minCohortSize })];
    }));
    results = iccCombine(summaries, { confidence });
  }
  const decisions = o.threshold === undefined ? undefined : filterReproducible(results, { form: o.form ?? 'ICC(2,1)', threshold: o.threshold, on: o.on ?? 'estimate' });
  const report = {
    type: 'fedrad-reproducibility',
    ...(o.manifest === undefined ? { readers: o.features } : o.perturbation.length > 0 ? { manifest: o.manifest, perturbations: o.perturbation, seed: o.seed ?? 1 } : { manifest: o.manifest, segmentations: readers.map((t) => t.source) }),
    cases: readers[0].ids.length,
    confidence,
    forms: ICC_FORM_MEANING,
    ...(siteCounts ? { sites: siteCounts } : {}),
    features: results.map((r) => ({
      feature: r.feature,
      anova: r.anova,
      ...Object.fromEntries(ICC_FORMS.map((form) => [form, { ...r.forms[form], band: kooLiBand(r.forms[form].estimate) }])),
    })),
    ...(decisions ? {
      filter: {
        form: o.form ?? 'ICC(2,1)', threshold: o.threshold, on: o.on ?? 'estimate', bands: 'Koo & Li 2016: < 0.5 poor, 0.5–0.75 moderate, 0.75–0.9 good, ≥ 0.9 excellent',
        kept: decisions.filter((d) => d.kept).map((d) => d.feature),
        dropped: decisions.filter((d) => !d.kept).map(({ feature, value, band }) => ({ feature, value, band })),
      },
    } : {}),
  };
  // Perfect agreement has an infinite F: written as "Infinity", not JSON's null.
  writeFileSync(o.out, JSON.stringify(report, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2) + '\n');
  const provenance = provenanceOf(o.out, {
    command: 'fedrad reproducibility',
    inputs: [
      ...o.features.map((path) => ({ role: 'features', path })),
      ...(o.manifest !== undefined ? [{ role: 'manifest', path: o.manifest }] : []),
      ...(o.sites !== undefined ? [{ role: 'sites', path: o.sites }] : []),
    ],
    config: {
      ...(o.config ? { path: o.config } : {}),
      value: {
        confidence, federated: o.sites !== undefined,
        ...(o.manifest !== undefined ? { ...(o.perturbation.length > 0 ? { perturbations: o.perturbation, seed: o.seed ?? 1 } : { segmentations: readers.length }), featureConfig: await resolvedConfig(o.config) } : {}),
        ...(o.sites !== undefined ? { minCohortSize: o.minCohort ?? DEFAULT_MIN_COHORT_SIZE } : {}),
        ...(o.threshold !== undefined ? { form: o.form ?? 'ICC(2,1)', threshold: o.threshold, on: o.on ?? 'estimate' } : {}),
      },
    },
  });
  writeFileSync(provenancePath(o.out), JSON.stringify(provenance, null, 2) + '\n');
  return { out: o.out, cases: readers[0].ids.length, features: results.length, measurements: readers.length, ...(decisions ? { kept: decisions.filter((d) => d.kept).length } : {}) };
}

/** Every case of the manifest extracted under each perturbation, in this process: one table per perturbation. */
async function perturbedTables(manifest: string, o: ReproducibilityOptions): Promise<FeatureCsv[]> {
  const perturbations = o.perturbation.map(parsePerturbation);
  const tasks = readManifest(manifest, await loadConfig(o.config));
  return extractPerturbed(tasks, perturbations, o.seed ?? 1).tables;
}

/**
 * Every case of the manifest extracted from each of its segmentations (mask, mask2, …), as a
 * campaign site's reproducibility step does (apps/site-node's jobs/reproducibility.ts): the
 * features every case has under mask, each one required under every further segmentation.
 */
async function segmentationTables(manifest: string, o: ReproducibilityOptions): Promise<FeatureCsv[]> {
  const config = await loadConfig(o.config);
  const tasks = readManifest(manifest, config, { segmentations: true });
  const further = tasks[0].segmentations?.length ?? 0;
  if (further === 0) throw new CliUsageError(`${manifest} has no further segmentation column (mask2, mask3, …); give it, or --perturbation at least twice to measure robustness without a second reader`);
  const tables: FeatureCsv[] = [];
  let featureNames: string[] = [];
  for (let r = 0; r <= further; r++) {
    const column = r === 0 ? 'mask' : `mask${r + 1}`;
    const { outcomes } = await extractCohort({ tasks: tasks.map(({ segmentations, ...t }) => ({ ...t, mask: r === 0 ? t.mask : segmentations![r - 1] })), config });
    const failed = outcomes.find((c) => !c.ok);
    if (failed && !failed.ok) throw new CliUsageError(`case ${failed.id}: its ${column} segmentation could not be extracted (${failed.code}: ${failed.message}); every case is measured by every segmentation`);
    const rows = outcomes as Array<Extract<(typeof outcomes)[number], { ok: true }>>;
    if (r === 0) featureNames = Object.keys(rows[0].features).filter((n) => rows.every((c) => Number.isFinite(c.features[n])));
    const values = new Float64Array(rows.length * featureNames.length);
    rows.forEach((c, i) => featureNames.forEach((n, j) => {
      if (!Number.isFinite(c.features[n])) throw new CliUsageError(`case ${c.id}: feature ${n} has no value on its ${column} segmentation (it has one on its mask); every feature must be measured by every segmentation`);
      values[i * featureNames.length + j] = c.features[n];
    }));
    tables.push({ ids: rows.map((c) => c.id), featureNames, values, source: column });
  }
  return tables;
}

/** The feature config with its defaults, as the provenance records it. */
async function resolvedConfig(path: string | undefined): Promise<unknown> {
  const { recordedFeatureConfig } = await import('@fedrad/radiomics');
  return recordedFeatureConfig(await loadConfig(path));
}

export function register(program: Command): void {
  program
    .command('reproducibility')
    .description('ICC of every feature across segmentations, readers or perturbations of the same cases: every form with its CI; writes --out (JSON) and --out + .provenance.json')
    .option('--features <csv>', 'a features CSV of one segmentation (reader, perturbation); give it once per measurement, at least twice', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--manifest <csv>', 'instead of --features: a cohort (id,image,mask[,label|roi]) extracted here under each --perturbation, robustness without a second reader (Zwanenburg et al. 2019); without --perturbation, from each of its segmentations mask, mask2, mask3, … (as a campaign site\'s reproducibility step)')
    .option('--perturbation <spec>', 'with --manifest, none or at least twice: none, rotate:DEGREES, translate:DI,DJ,DK (voxel fractions), noise or noise:SD, dilate:VOXELS, erode:VOXELS', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--config <file>', 'with --manifest: the feature-extraction config (as fedrad extract\'s, or a campaign protocol\'s featureConfig)')
    .option('--seed <n>', 'with --manifest: the seed of the noise perturbations (default 1)', number('seed'))
    .option('--sites <csv>', 'id,site: compute each site\'s ANOVA sums on its own cases and combine them (the local twin of a campaign)')
    .option('--min-cohort <n>', `with --sites: the fewest cases a site may have (default ${DEFAULT_MIN_COHORT_SIZE})`, countFlag('min-cohort'))
    .option('--confidence <level>', 'confidence level of the intervals (default 0.95)', number('confidence'))
    .option('--threshold <icc>', 'also list the features whose ICC reaches this value (Koo & Li: 0.5 moderate, 0.75 good, 0.9 excellent)', number('threshold'))
    .addOption(new Option('--form <form>', 'with --threshold: the form compared (default ICC(2,1))').choices([...ICC_FORMS]))
    .addOption(new Option('--on <what>', 'with --threshold: compare the estimate or its CI\'s lower bound (default estimate)').choices(['estimate', 'lower']))
    .requiredOption('--out <json>', 'where to write the ICC report')
    .addHelpText(
      'after',
      '\nExample:\n  fedrad reproducibility --features segA.csv --features segB.csv --threshold 0.75 --on lower --out icc.json\n' +
        '  writes icc.json (per feature: ICC(1,1), ICC(2,1), ICC(3,1), ICC(1,k), ICC(2,k), ICC(3,k) with F, df, p and CI) and icc.json.provenance.json.',
    )
    .action(async (opts: ReproducibilityOptions) => {
      const r = await runReproducibility(opts);
      const kept = r.kept === undefined ? '' : `; ${r.kept} of ${r.features} reach the threshold`;
      process.stdout.write(`ICC of ${r.features} features over ${r.cases} cases and ${r.measurements} measurements${kept}\nout: ${r.out}\n`);
    });
}
