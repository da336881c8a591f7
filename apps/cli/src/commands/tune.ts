import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import { alignOutcome, readFeatureTable, readOutcomeTable, type Resampling } from '@fedrad/learn';
import { bestAlpha, coxCrossValidationMethod, coxCrossValidationResult, crossValidationMethod, crossValidationResult, pooledRepeats, runLocalTwin, type CoxCrossValidationSettings, type CrossValidationResult, type CrossValidationSettings, type CoxTuningRows, type TuningRows } from '@fedrad/methods';
import { readCsv, readSiteTable, type FeatureCsv } from '@fedrad/protocol';
import { CliUsageError } from '../errors.js';
import { numberFlag } from '../numberFlags.js';
import { checkOutputPath, readInputText } from '../commandFiles.js';
import { provenanceOf, provenancePath } from '../provenance.js';
import { partitionBySite, selectRows } from '../sitePartition.js';
import { resamplingOf } from '../trainingResampling.js';

export interface TuneOptions {
  features: string;
  outcome: string;
  sites?: string;
  model: 'lasso-logistic' | 'elasticnet-logistic' | 'cox';
  alpha?: number[];
  lambdas?: string;
  nlambda?: number;
  lambdaMinRatio?: number;
  cv: 'leave-one-site-out' | 'kfold';
  folds?: number;
  repeats?: number;
  seed?: number;
  foldid?: string;
  measure?: 'deviance' | 'auc' | 'C';
  minCohort?: number;
  resample?: Resampling['method'];
  resampleSeed?: number;
  smoteNeighbours?: number;
  out: string;
}

/** cv.json: the chosen α's curve (cv.glmnet's names), every α tried, and how the folds were made. */
export interface TuneReport extends Omit<CrossValidationResult, 'coefficients'> {
  type: 'fedrad-cv';
  model: TuneOptions['model'];
  features: string[];
  sites: string[];
  repeats: number;
  /** The fit on every row at lambda.min and lambda.1se, intercept first (original scale; a Cox model has no intercept). */
  coefficientsMin: Record<string, number>;
  coefficients1se: Record<string, number>;
  /** Per α tried: its λ.min and best mean CV criterion (the chosen α is the best). */
  alphas: Array<{ alpha: number; lambdaMin: number; lambda1se: number; best: number }>;
}

/**
 * `fedrad tune`: chooses the elastic net's λ (and α among those given) by cross-validation, as a
 * campaign would — @fedrad/methods' federated cross-validation run by the local twin over the sites
 * of --sites (one site "local" without it) — and writes cv.json (λ, mean CV criterion and its SE per
 * λ, lambda_min, lambda_1se) with its provenance.
 */
export async function runTune(o: TuneOptions): Promise<TuneReport> {
  const alphas = o.alpha ?? [o.model === 'elasticnet-logistic' ? 0.5 : 1];
  if (o.model === 'lasso-logistic' && alphas.some((a) => a !== 1)) throw new CliUsageError('--alpha: lasso-logistic has alpha 1; use --model elasticnet-logistic to tune alpha');
  if (o.lambdas !== undefined && (o.nlambda !== undefined || o.lambdaMinRatio !== undefined)) throw new CliUsageError('give either --lambdas L.txt or --nlambda/--lambda-min-ratio, not both');
  if (o.cv === 'leave-one-site-out' && o.sites === undefined) throw new CliUsageError('--cv leave-one-site-out holds out each site of --sites S.csv in turn; give --sites');
  if (o.cv === 'leave-one-site-out' && (o.folds !== undefined || o.repeats !== undefined || o.seed !== undefined || o.foldid !== undefined)) {
    throw new CliUsageError('--folds, --repeats, --seed and --foldid set K-fold splits; with --cv leave-one-site-out the sites are the folds');
  }
  if (o.foldid !== undefined && (o.folds !== undefined || o.repeats !== undefined || o.seed !== undefined)) throw new CliUsageError('--foldid fixes the folds; --folds, --repeats and --seed draw them instead');
  if (o.model === 'cox') return runCoxTune(o, alphas);
  if (o.measure === 'C') throw new CliUsageError('--measure C is the C-index of a Cox model; a logistic model is tuned by deviance or auc');
  const features = readFeatureTable(readInputText(o.features, 'features'), o.features);
  const outcome = alignOutcome(features, readOutcomeTable(readInputText(o.outcome, 'outcome'), o.outcome), o.outcome);
  if (outcome.kind !== 'binary') throw new CliUsageError(`${o.outcome} has no label column; tune fits logistic models (id,label)`);
  const resampling = resamplingOf(o);
  const lambdas = o.lambdas !== undefined ? readLambdas(o.lambdas) : undefined;
  const foldOf = o.foldid !== undefined ? readFoldIds(o.foldid, features) : undefined;
  checkOutputPath(o.out, 'cross-validation report');
  const indices = o.sites !== undefined ? partitionBySite(features.ids, readSiteTable(readInputText(o.sites, 'sites'), o.sites), { table: o.features, sites: o.sites }) : new Map([['local', features.ids.map((_, i) => i)]]);
  const partitions = new Map<string, TuningRows>(
    [...indices].map(([site, rows]) => [
      site,
      { featureNames: features.featureNames, x: selectRows(features.values, features.featureNames.length, rows), label: Float64Array.from(rows, (i) => outcome.label[i]), ...(foldOf ? { fold: Int32Array.from(rows, (i) => foldOf.fold[i]) } : {}) },
    ]),
  );
  const repeats = o.repeats ?? 1;
  const count = foldOf ? foldOf.count : o.folds ?? 10;
  const seed = o.seed ?? 1;
  const measure = o.measure === 'auc' ? 'auc' : 'deviance';
  const perAlpha = await curvesPerAlpha(alphas, repeats, measure, async (alpha, r) => {
    const settings: CrossValidationSettings = {
      features: features.featureNames,
      alpha,
      ...gridOf(o, lambdas),
      folds: o.cv === 'leave-one-site-out' ? { scheme: 'leave-one-site-out' } : { scheme: 'kfold', count, seed: seed + r },
      measure,
      minCohortSize: o.minCohort ?? 5,
      ...(resampling ? { resampling } : {}),
    };
    const run = await runLocalTwin(crossValidationMethod(settings), partitions, { patientCount: (rows) => rows.label.length });
    return crossValidationResult(run.state, settings);
  });
  const { chosen, best } = bestAlpha(perAlpha);
  const { coefficients, ...curve } = chosen;
  const named = (lambda: number) => {
    const c = coefficients[curve.lambda.indexOf(lambda)];
    return Object.fromEntries([['(intercept)', c[0]], ...features.featureNames.map((f, j) => [f, c[j + 1]])]);
  };
  const report: TuneReport = {
    type: 'fedrad-cv',
    model: o.model,
    ...curve,
    features: features.featureNames,
    sites: [...partitions.keys()],
    repeats,
    coefficientsMin: named(curve.lambdaMin),
    coefficients1se: named(curve.lambda1se),
    alphas: perAlpha.map((a, i) => ({ alpha: a.alpha, lambdaMin: a.lambdaMin, lambda1se: a.lambda1se, best: best[i] })),
  };
  writeReport(o, report, { model: o.model, alphas, cv: o.cv, measure: o.measure ?? 'deviance', folds: o.cv === 'kfold' ? count : undefined, repeats, seed: o.cv === 'kfold' && !foldOf ? seed : undefined, lambdas: lambdas ?? { nlambda: o.nlambda ?? 100, lambdaMinRatio: o.lambdaMinRatio ?? 'glmnet default' }, minCohortSize: o.minCohort ?? 5, resampling: resampling ?? null });
  return report;
}

/**
 * `fedrad tune --model cox`: glmnet's Cox elastic net (Breslow ties, each site its own stratum)
 * cross-validated by @fedrad/methods' coxCrossValidationMethod — leave-one-site-out, the criterion
 * Harrell's C of each held-out site (cv.glmnet type.measure "C", the default) or its
 * partial-likelihood deviance ("deviance", grouped); or K folds within sites (drawn as for a
 * logistic model, or given by --foldid; repeatable), the grouped deviance only.
 */
async function runCoxTune(o: TuneOptions, alphas: number[]): Promise<TuneReport> {
  if (o.cv === 'kfold' && o.measure === 'C') throw new CliUsageError("--measure C with --cv kfold: cv.glmnet's C ranks a held-out fold's pairs across sites (ignoring the strata), which needs patient-level scores from several sites; use --measure deviance (the default with kfold) or --cv leave-one-site-out");
  if (o.measure === 'auc') throw new CliUsageError('--measure auc is for logistic models; a Cox model is tuned by C (the default) or deviance');
  if (o.resample !== undefined || o.resampleSeed !== undefined || o.smoteNeighbours !== undefined) throw new CliUsageError('--resample rebalances classes; a Cox model has none');
  const features = readFeatureTable(readInputText(o.features, 'features'), o.features);
  const outcome = alignOutcome(features, readOutcomeTable(readInputText(o.outcome, 'outcome'), o.outcome), o.outcome);
  if (outcome.kind !== 'survival') throw new CliUsageError(`${o.outcome} has no time and event columns; --model cox needs a survival outcome (id,time,event)`);
  if (outcome.stratum) throw new CliUsageError(`${o.outcome} has a stratum column; Cox tuning stratifies by site only`);
  const lambdas = o.lambdas !== undefined ? readLambdas(o.lambdas) : undefined;
  const foldOf = o.foldid !== undefined ? readFoldIds(o.foldid, features) : undefined;
  checkOutputPath(o.out, 'cross-validation report');
  // Each site its own stratum; without --sites every case is one site "local" (one stratum).
  const indices = o.sites !== undefined ? partitionBySite(features.ids, readSiteTable(readInputText(o.sites, 'sites'), o.sites), { table: o.features, sites: o.sites }) : new Map([['local', features.ids.map((_, i) => i)]]);
  const partitions = new Map<string, CoxTuningRows>(
    [...indices].map(([site, rows]) => [
      site,
      { featureNames: features.featureNames, x: selectRows(features.values, features.featureNames.length, rows), time: Float64Array.from(rows, (i) => outcome.time[i]), event: Float64Array.from(rows, (i) => outcome.event[i]), ...(foldOf ? { fold: Int32Array.from(rows, (i) => foldOf.fold[i]) } : {}) },
    ]),
  );
  const measure = o.measure ?? (o.cv === 'kfold' ? 'deviance' : 'C');
  const repeats = o.repeats ?? 1;
  const count = foldOf ? foldOf.count : o.folds ?? 10;
  const seed = o.seed ?? 1;
  // A Cox curve's repeats pool as deviances (C, maximised, is leave-one-site-out only: no repeats).
  const perAlpha = await curvesPerAlpha(alphas, repeats, 'deviance', async (alpha, r) => {
    const settings: CoxCrossValidationSettings = {
      features: features.featureNames,
      alpha,
      ...gridOf(o, lambdas),
      ...(o.cv === 'kfold' ? { folds: { scheme: 'kfold' as const, count, seed: seed + r } } : {}),
      measure,
      minCohortSize: o.minCohort ?? 5,
    };
    const run = await runLocalTwin(coxCrossValidationMethod(settings), partitions, { patientCount: (rows) => rows.time.length });
    return coxCrossValidationResult(run.state, settings);
  });
  const { chosen, best } = bestAlpha(perAlpha);
  const { coefficients, ...curve } = chosen;
  const named = (lambda: number) => Object.fromEntries(features.featureNames.map((f, j) => [f, coefficients[curve.lambda.indexOf(lambda)][j]]));
  const report: TuneReport = {
    type: 'fedrad-cv',
    model: 'cox',
    ...curve,
    features: features.featureNames,
    sites: [...partitions.keys()],
    repeats,
    coefficientsMin: named(curve.lambdaMin),
    coefficients1se: named(curve.lambda1se),
    alphas: perAlpha.map((a, i) => ({ alpha: a.alpha, lambdaMin: a.lambdaMin, lambda1se: a.lambda1se, best: best[i] })),
  };
  writeReport(o, report, { model: 'cox', ties: 'breslow', strata: 'site', alphas, cv: o.cv, measure, folds: o.cv === 'kfold' ? count : undefined, repeats, seed: o.cv === 'kfold' && !foldOf ? seed : undefined, lambdas: lambdas ?? { nlambda: o.nlambda ?? 100, lambdaMinRatio: o.lambdaMinRatio ?? 'glmnet default' }, minCohortSize: o.minCohort ?? 5 });
  return report;
}

/** Each α's curve; with repeats, the R·K folds of its R runs (seed, seed + 1, …) pooled. */
async function curvesPerAlpha(alphas: number[], repeats: number, measure: 'deviance' | 'auc', once: (alpha: number, repeat: number) => Promise<CrossValidationResult>): Promise<CrossValidationResult[]> {
  const out: CrossValidationResult[] = [];
  for (const alpha of alphas) {
    const runs: CrossValidationResult[] = [];
    for (let r = 0; r < repeats; r++) runs.push(await once(alpha, r));
    out.push(repeats === 1 ? runs[0] : pooledRepeats(runs, measure));
  }
  return out;
}

/** The λ grid of the flags: the given one, or glmnet's of --nlambda values down to --lambda-min-ratio. */
function gridOf(o: TuneOptions, lambdas: number[] | undefined): Pick<CrossValidationSettings, 'lambdas' | 'nlambda' | 'lambdaMinRatio'> {
  return lambdas ? { lambdas } : { nlambda: o.nlambda ?? 100, ...(o.lambdaMinRatio !== undefined ? { lambdaMinRatio: o.lambdaMinRatio } : {}) };
}

/** cv.json and its provenance. */
function writeReport(o: TuneOptions, report: TuneReport, config: Record<string, unknown>): void {
  writeFileSync(o.out, JSON.stringify(report, null, 2) + '\n');
  const provenance = provenanceOf(o.out, {
    command: 'fedrad tune',
    inputs: [
      { role: 'features', path: o.features },
      { role: 'outcome', path: o.outcome },
      ...(o.sites !== undefined ? [{ role: 'sites', path: o.sites }] : []),
      ...(o.lambdas !== undefined ? [{ role: 'lambdas', path: o.lambdas }] : []),
      ...(o.foldid !== undefined ? [{ role: 'foldid', path: o.foldid }] : []),
    ],
    config: { value: config },
  });
  writeFileSync(provenancePath(o.out), JSON.stringify(provenance, null, 2) + '\n');
}

/** A λ grid file: numbers separated by line breaks, commas or spaces. */
function readLambdas(path: string): number[] {
  const cells = readInputText(path, 'lambdas').split(/[\s,]+/).filter((c) => c !== '');
  const bad = cells.find((c) => !(Number(c) >= 0));
  if (bad !== undefined) throw new CliUsageError(`${path}: "${bad}" is not a non-negative number; the λ grid file lists one λ per line`);
  if (cells.length === 0) throw new CliUsageError(`${path} lists no λ`);
  return cells.map(Number);
}

/** id,fold (folds numbered 1…K, as cv.glmnet's foldid), in the feature table's order, 0-based. */
function readFoldIds(path: string, features: FeatureCsv): { fold: number[]; count: number } {
  const [header, ...records] = readCsv(readInputText(path, 'foldid'), path);
  const names = header?.cells.map((c) => c.toLowerCase()) ?? [];
  const idColumn = names.indexOf('id');
  const foldColumn = names.indexOf('fold');
  if (idColumn < 0 || foldColumn < 0) throw new CliUsageError(`${path}: expected columns id,fold`);
  const foldOf = new Map<string, number>();
  for (const r of records) {
    const f = Number(r.cells[foldColumn]);
    if (!(Number.isInteger(f) && f >= 1)) throw new CliUsageError(`${path} line ${r.row}: fold "${r.cells[foldColumn]}" is not a fold number (1, 2, …)`);
    foldOf.set(r.cells[idColumn], f - 1);
  }
  const missing = features.ids.find((id) => !foldOf.has(id));
  if (missing !== undefined) throw new CliUsageError(`${path} gives no fold for case "${missing}" of ${features.source}`);
  const fold = features.ids.map((id) => foldOf.get(id)!);
  return { fold, count: Math.max(...fold) + 1 };
}

const number = numberFlag;

export function register(program: Command): void {
  program
    .command('tune')
    .description("Choose the elastic net's lambda (and alpha) by cross-validation, federated over --sites as a campaign would; writes --out (cv.json) and --out + .provenance.json")
    .requiredOption('--features <csv>', 'features CSV (id + one numeric column per feature)')
    .requiredOption('--outcome <csv>', 'outcome CSV: id,label (0/1), or id,time,event for --model cox')
    .option('--sites <csv>', 'id,site: run the federated cross-validation over these sites in one process (the local twin of a campaign); without it every case is one site')
    .addOption(new Option('--model <family>', "model family; cox is glmnet's Cox (Breslow ties, stratified by site), tuned leave-one-site-out (C or deviance) or with K folds within sites (deviance)").choices(['lasso-logistic', 'elasticnet-logistic', 'cox']).makeOptionMandatory())
    .option('--alpha <a>', "glmnet's alpha, or several separated by commas to tune it too (default 1 for lasso-logistic and cox, 0.5 for elasticnet-logistic)", (v: string) => v.split(',').map(number('alpha')))
    .option('--lambdas <txt>', 'the lambda grid: a file of numbers, one per line')
    .option('--nlambda <n>', "the number of lambdas of glmnet's grid from lambda_max (default 100)", number('nlambda'))
    .option('--lambda-min-ratio <r>', "smallest lambda of the grid as a fraction of lambda_max (glmnet's default: 1e-4, or 0.01 when there are fewer cases than features)", number('lambda-min-ratio'))
    .addOption(new Option('--cv <scheme>', 'leave-one-site-out (each site held out in turn) or kfold (K folds drawn within each site)').choices(['leave-one-site-out', 'kfold']).makeOptionMandatory())
    .option('--folds <k>', 'with --cv kfold: the number of folds (default 10)', number('folds'))
    .option('--repeats <r>', 'with --cv kfold: repeat with seeds seed, seed + 1, …; the curves pool all R·K folds (default 1)', number('repeats'))
    .option('--seed <n>', 'with --cv kfold: seed of the folds each site draws (default 1)', number('seed'))
    .option('--foldid <csv>', "with --cv kfold: id,fold (1…K) fixing each case's fold, as cv.glmnet's foldid")
    .addOption(new Option('--measure <m>', "the criterion: binomial deviance, or AUC (leave-one-site-out only) (default deviance); for cox Harrell's C of each held-out site (leave-one-site-out only; its default) or the partial-likelihood deviance (grouped; the default with kfold), as cv.glmnet's type.measure").choices(['deviance', 'auc', 'C']))
    .option('--min-cohort <n>', 'the fewest cases under any sum a site sends (default 5, as a campaign)', number('min-cohort'))
    .addOption(new Option('--resample <method>', "rebalance each fold's training rows at each site (never its held-out rows): random oversampling, undersampling or SMOTE").choices(['oversample', 'undersample', 'smote']))
    .option('--resample-seed <n>', 'with --resample: the seed (fold k uses seed + k; default 1)', number('resample-seed'))
    .option('--smote-neighbours <k>', 'with --resample smote: the minority neighbours (default 5)', number('smote-neighbours'))
    .requiredOption('--out <json>', 'where to write cv.json')
    .addHelpText(
      'after',
      '\nExample:\n  fedrad tune --features F.csv --outcome O.csv --sites S.csv --model lasso-logistic --cv leave-one-site-out --nlambda 50 --lambda-min-ratio 0.01 --out cv.json\n' +
        '  writes cv.json (lambda, cvm, cvsd, lambda_min, lambda_1se, the fit on all cases at both) and cv.json.provenance.json.',
    )
    .action(async (opts: TuneOptions) => {
      const r = await runTune(opts);
      process.stdout.write(`cross-validated ${r.lambda.length} lambdas over ${r.folds.count} folds (${r.sampleCount} cases; ${r.measure}): alpha ${r.alpha}, lambda_min ${r.lambdaMin}, lambda_1se ${r.lambda1se}\nreport: ${opts.out}\n`);
    });
}
