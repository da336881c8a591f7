import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import { alignOutcome, readFeatureTable, readOutcomeTable } from '@fedrad/learn';
import {
  crossValidationMethod, lassoPathSettings, lassoStep, pathResult, reproducibilityValues, runLocalTwin, selectionMethod,
  type FeatureStatistics, type SelectionOptions, type SelectionStep, type TrainingRows,
} from '@fedrad/methods';
import { readSiteTable } from '@fedrad/protocol';
import { CliUsageError } from '../errors.js';
import { numberFlag } from '../numberFlags.js';
import { checkOutputPath, readDocument, readInputText } from '../commandFiles.js';
import { provenanceOf, provenancePath } from '../provenance.js';
import { partitionBySite, selectRows } from '../sitePartition.js';

export interface SelectOptions {
  features: string;
  outcome: string;
  sites?: string;
  minCohort?: number;
  minSd?: number;
  reproducibility?: string;
  iccForm?: string;
  iccOn?: 'estimate' | 'lower';
  iccThreshold?: number;
  fdr?: number;
  maxCorrelation?: number;
  prefer?: 'association' | 'reproducibility';
  lassoLambda?: number;
  lassoMaxFeatures?: number;
  alpha?: number;
  /** Survival outcomes: the Cox score test's ties (default breslow). */
  ties?: 'breslow' | 'efron';
  out: string;
}

export interface SelectReport {
  type: 'fedrad-selection';
  /** The features kept by every step, in the table's order. */
  features: string[];
  sampleCount: number;
  sites: string[];
  steps: SelectionStep[];
  statistics: Record<string, FeatureStatistics>;
}

/**
 * `fedrad select`: the selection a campaign would run — @fedrad/methods' selection method (sums
 * and cross-products at each site, the filters on the pooled moments) and, when asked, the LASSO
 * step on a path fitted at the sites — run by the local twin over --sites (one site "local"
 * without it). Writes selected.json: what was kept, and at each step what went and why.
 */
export async function runSelect(o: SelectOptions): Promise<SelectReport> {
  if (o.lassoLambda !== undefined && o.lassoMaxFeatures !== undefined) throw new CliUsageError('give --lasso-lambda or --lasso-max-features, not both');
  if (o.alpha !== undefined && o.lassoLambda === undefined && o.lassoMaxFeatures === undefined) throw new CliUsageError('--alpha is the LASSO step\'s elastic-net mixing; give --lasso-lambda or --lasso-max-features too');
  const iccFlags = [o.iccForm, o.iccOn, o.iccThreshold].some((v) => v !== undefined);
  if (iccFlags && o.reproducibility === undefined) throw new CliUsageError('--icc-form, --icc-on and --icc-threshold filter on the report of --reproducibility icc.json; give it too');
  if (o.reproducibility !== undefined && o.iccThreshold === undefined && o.prefer !== 'reproducibility') {
    throw new CliUsageError('--reproducibility is used by --icc-threshold (filter) or --prefer reproducibility (correlation pruning); give one of them');
  }
  if (o.prefer !== undefined && o.maxCorrelation === undefined) throw new CliUsageError('--prefer chooses which feature of a correlated cluster --max-correlation keeps; give --max-correlation too');
  const features = readFeatureTable(readInputText(o.features, 'features'), o.features);
  const outcome = alignOutcome(features, readOutcomeTable(readInputText(o.outcome, 'outcome'), o.outcome), o.outcome);
  const survival = outcome.kind === 'survival' ? { ties: o.ties ?? 'breslow' } : undefined;
  if (survival && (o.lassoLambda !== undefined || o.lassoMaxFeatures !== undefined)) {
    throw new CliUsageError(`${o.outcome} is a survival table; the LASSO step fits a logistic path (id,label): select survival features with --fdr (the Cox score test) and the other filters`);
  }
  if (!survival && o.ties !== undefined) throw new CliUsageError(`--ties sets the Cox score test's ties; ${o.outcome} is a binary table (id,label), tested by the logistic score test`);
  checkOutputPath(o.out, 'selection report');
  const form = o.iccForm ?? 'ICC(2,1)';
  const on = o.iccOn ?? 'lower';
  const values = o.reproducibility !== undefined ? reproducibilityValues(readDocument(o.reproducibility, 'reproducibility report'), { form, on }, o.reproducibility) : undefined;
  const options: SelectionOptions = {
    ...(o.minSd !== undefined ? { minSd: o.minSd } : {}),
    ...(values ? { icc: { values, form, on } } : {}),
    ...(o.iccThreshold !== undefined ? { reproducibility: { threshold: o.iccThreshold } } : {}),
    ...(o.fdr !== undefined ? { univariate: { fdr: o.fdr } } : {}),
    ...(o.maxCorrelation !== undefined ? { correlation: { threshold: o.maxCorrelation, prefer: o.prefer ?? 'association' } } : {}),
  };
  const indices = o.sites !== undefined ? partitionBySite(features.ids, readSiteTable(readInputText(o.sites, 'sites'), o.sites), { table: o.features, sites: o.sites }) : new Map([['local', features.ids.map((_, i) => i)]]);
  const partitions = new Map<string, TrainingRows>(
    [...indices].map(([site, rows]) => {
      const x = selectRows(features.values, features.featureNames.length, rows);
      // A survival table's rows carry time and event (the Cox score test), a binary one's the label.
      const y = outcome.kind === 'survival'
        ? { label: new Float64Array(0), time: Float64Array.from(rows, (i) => outcome.time[i]), event: Float64Array.from(rows, (i) => outcome.event[i]) }
        : { label: Float64Array.from(rows, (i) => outcome.label[i]) };
      return [site, { featureNames: features.featureNames, x, ...y }];
    }),
  );
  const minCohortSize = o.minCohort ?? 5;
  const patientCount = (rows: TrainingRows) => rows.time?.length ?? rows.label.length;
  const method = selectionMethod({ features: features.featureNames, minCohortSize, ...options, ...(survival ? { survival } : {}) });
  const run = await runLocalTwin(method, partitions, { patientCount });
  let kept = run.state.kept!;
  const steps = run.state.steps!;
  const statistics = run.state.statistics!;
  if (o.lassoLambda !== undefined || o.lassoMaxFeatures !== undefined) {
    if (kept.length === 0) throw new CliUsageError('no feature is left for the LASSO step');
    const alpha = o.alpha ?? 1;
    // The site applies the filters' selection to its rows; the path is fitted on what is left.
    const applied = new Map(await Promise.all([...partitions].map(async ([s, rows]) => [s, await method.apply!(run.state, rows, { siteId: s })] as const)));
    const choice = { alpha, ...(o.lassoLambda !== undefined ? { lambda: o.lassoLambda } : { maxFeatures: o.lassoMaxFeatures }) };
    const path = await runLocalTwin(crossValidationMethod(lassoPathSettings(kept, choice, minCohortSize)), applied, { patientCount });
    const lasso = lassoStep(pathResult(path.state), kept, choice, statistics);
    kept = lasso.kept;
    steps.push(lasso.step);
  }
  const report: SelectReport = { type: 'fedrad-selection', features: kept, sampleCount: run.steps[0].sampleCount, sites: run.sites, steps, statistics };
  writeFileSync(o.out, JSON.stringify(report, null, 2) + '\n');
  const provenance = provenanceOf(o.out, {
    command: 'fedrad select',
    inputs: [
      { role: 'features', path: o.features },
      { role: 'outcome', path: o.outcome },
      ...(o.sites !== undefined ? [{ role: 'sites', path: o.sites }] : []),
      ...(o.reproducibility !== undefined ? [{ role: 'reproducibility', path: o.reproducibility }] : []),
    ],
    config: { value: { minCohortSize, ...(survival ? { survival } : {}), minSd: o.minSd ?? 0, icc: o.reproducibility !== undefined ? { form, on, threshold: o.iccThreshold ?? null } : null, fdr: o.fdr ?? null, maxCorrelation: o.maxCorrelation ?? null, prefer: o.maxCorrelation !== undefined ? o.prefer ?? 'association' : null, lasso: o.lassoLambda !== undefined || o.lassoMaxFeatures !== undefined ? { alpha: o.alpha ?? 1, lambda: o.lassoLambda ?? null, maxFeatures: o.lassoMaxFeatures ?? null } : null } },
  });
  writeFileSync(provenancePath(o.out), JSON.stringify(provenance, null, 2) + '\n');
  return report;
}

const number = numberFlag;

export function register(program: Command): void {
  program
    .command('select')
    .description('Select features as a campaign would (near-zero variance, ICC, univariate score test with FDR, correlation pruning, LASSO), federated over --sites; writes --out (selected.json) and --out + .provenance.json')
    .requiredOption('--features <csv>', 'features CSV (id + one numeric column per feature)')
    .requiredOption('--outcome <csv>', 'outcome CSV: id,label (0/1), or id,time,event (survival: the univariate test is the Cox score test, stratified by site)')
    .option('--sites <csv>', 'id,site: compute each site\'s sums on its own cases and select on the pooled ones (the local twin of a campaign)')
    .option('--min-cohort <n>', 'the fewest cases under any sum a site sends (default 5, as a campaign)', number('min-cohort'))
    .option('--min-sd <s>', 'near-zero variance: drop features whose pooled standard deviation is at most this (default 0: constant features only)', number('min-sd'))
    .option('--reproducibility <json>', "fedrad reproducibility's report (icc.json)")
    .option('--icc-threshold <t>', 'keep features whose ICC reaches this (Koo & Li 2016: 0.5 moderate, 0.75 good, 0.9 excellent)', number('icc-threshold'))
    .option('--icc-form <form>', 'the ICC form compared (default ICC(2,1))')
    .addOption(new Option('--icc-on <what>', 'compare the estimate or its lower 95 % limit (default lower)').choices(['estimate', 'lower']))
    .option('--fdr <q>', 'keep features whose univariate score test (logistic, or Cox for a survival outcome) has Benjamini–Hochberg q at most this', number('fdr'))
    .addOption(new Option('--ties <method>', "survival outcomes: the Cox score test's tied event times (default breslow)").choices(['breslow', 'efron']))
    .option('--max-correlation <r>', 'prune features correlated above |r| with a kept one (pooled Pearson correlation)', number('max-correlation'))
    .addOption(new Option('--prefer <what>', 'with --max-correlation: keep the most associated (score statistic) or most reproducible (ICC) feature of a cluster (default association)').choices(['association', 'reproducibility']))
    .option('--lasso-lambda <l>', "keep the features with a non-zero elastic-net coefficient at this λ (e.g. lambda_1se of fedrad tune's cv.json)", number('lasso-lambda'))
    .option('--lasso-max-features <m>', "keep the first m features to enter glmnet's path", number('lasso-max-features'))
    .option('--alpha <a>', "the LASSO step's elastic-net mixing (default 1)", number('alpha'))
    .requiredOption('--out <json>', 'where to write selected.json')
    .addHelpText(
      'after',
      '\nExample:\n  fedrad select --features F.csv --outcome O.csv --sites S.csv --reproducibility icc.json --icc-threshold 0.75 --fdr 0.05 --max-correlation 0.9 --lasso-lambda 0.05 --out selected.json\n' +
        '  writes selected.json (the features kept; per step, what went and why; per feature its statistics) and selected.json.provenance.json.',
    )
    .action(async (opts: SelectOptions) => {
      const r = await runSelect(opts);
      process.stdout.write(`selected ${r.features.length} of ${Object.keys(r.statistics).length} features over ${r.sites.join(', ')} (${r.sampleCount} cases): ${r.steps.map((s) => `${s.step} −${s.removed.length}`).join(', ')}\nreport: ${opts.out}\n`);
    });
}
