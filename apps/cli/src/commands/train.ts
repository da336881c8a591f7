import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import {
  alignOutcome, exportInferenceModel, fitModel, modelCard, readFeatureTable, readOutcomeTable, resolveSpec,
  type FitOptions, type ModelFamily, type ModelSpec, type Resampling,
} from '@fedrad/learn';
import { contentHash } from '@fedrad/extraction';
import type { FeatureCsv, ModelCard, StrategyName } from '@fedrad/protocol';
import { CliUsageError } from '../errors.js';
import { numberFlag as number } from '../numberFlags.js';
import { checkOutputPath, readInputText } from '../commandFiles.js';
import { modelSetTable, type ModelSet } from '../clinicalFeatures.js';
import { resampledTables, resamplingOf, resamplingRecord } from '../trainingResampling.js';
import { provenanceOf, provenancePath } from '../provenance.js';
import { runFederatedTrain } from './federatedTrain.js';
import { runFederatedCoxTrain, type CoxFederation } from './federatedCoxTrain.js';

export interface TrainOptions {
  features: string;
  outcome: string;
  model: ModelFamily;
  out: string;
  alpha?: number;
  lambda?: number;
  standardize?: boolean;
  classWeights?: 'none' | 'balanced';
  hidden?: number[];
  activation?: 'relu' | 'tanh';
  epochs?: number;
  learningRate?: number;
  optimizer?: 'adam' | 'sgd';
  seed?: number;
  solver?: FitOptions['solver'];
  maxIterations?: number;
  name?: string;
  /** `id,site`: train federated over these partitions (the local twin) instead of pooled. */
  sites?: string;
  strategy?: StrategyName;
  rounds?: number;
  localEpochs?: number;
  minCohort?: number;
  /** id + numeric clinical covariates, joined by id (with --model-set clinical or combined). */
  clinical?: string;
  modelSet?: ModelSet;
  /** Rebalance the training rows' classes (at each site with --sites) before fitting. */
  resample?: Resampling['method'];
  resampleSeed?: number;
  smoteNeighbours?: number;
  /** Cox with --sites: a baseline hazard per site. */
  stratifyBySite?: boolean;
  /** Cox with --sites: ties method (default breslow, as the pooled fit). */
  ties?: 'breslow' | 'efron';
  /** Pooled Cox with --sites: fewest events per time bin at each site (default --min-cohort; 1 keeps exact times). */
  minEventsPerTimeBin?: number;
  /** Pooled Cox with --sites: the time bins' lower edges, fixed (a campaign's model.timeGridDays) instead of found by the bin step. */
  timeGrid?: number[];
  /** MLP with --sites: early stopping's validation share of each site's rows and its patience in rounds. */
  validationFraction?: number;
  patience?: number;
}

/** The aggregation strategies of a federated campaign (protocols' StrategyName). */
const STRATEGIES: StrategyName[] = ['exact-newton', 'exact-gradient', 'fedavg', 'fedprox', 'fedadam', 'fedyogi', 'median', 'trimmed-mean'];

/** The model card sits next to the model: model.onnx -> model.card.json. */
export const cardPathFor = (onnxPath: string) => onnxPath.replace(/\.onnx$/i, '') + '.card.json';

type TrainResult = { modelPath: string; cardPath: string; sha256: string; training: ModelCard['training']; federation?: CoxFederation };

/**
 * `fedrad train`: fit on local tables (or federated over --sites), write the ONNX inference model,
 * its model card, and `<out>.provenance.json` (inputs by hash, the model spec and its hash, the fit).
 */
export async function runTrain(o: TrainOptions): Promise<TrainResult> {
  const result = await trainModel(o);
  const provenance = provenanceOf(o.out, {
    command: 'fedrad train',
    inputs: [
      { role: 'features', path: o.features },
      { role: 'outcome', path: o.outcome },
      ...(o.sites !== undefined ? [{ role: 'sites', path: o.sites }] : []),
      ...(o.clinical !== undefined ? [{ role: 'clinical', path: o.clinical }] : []),
    ],
    // The model as fitted: the flags with learn's defaults filled in (lambda, alpha, standardisation, …).
    config: { value: { ...resolveSpec(modelSpecOf(o)), ...(o.modelSet !== undefined ? { modelSet: o.modelSet } : {}), ...(o.resample !== undefined ? { resampling: resamplingOf(o) } : {}) } },
    details: { card: { path: resolve(result.cardPath), sha256: contentHash(result.cardPath).sha256 }, training: result.training, ...(result.federation ? { federation: result.federation } : {}) },
  });
  writeFileSync(provenancePath(o.out), JSON.stringify(provenance, null, 2) + '\n');
  return result;
}

async function trainModel(o: TrainOptions): Promise<TrainResult> {
  const spec = modelSpecOf(o);
  const featureTable = trainingTable(o);
  const resampling = resamplingOf(o);
  const coxFlags = ([['--stratify-by-site', o.stratifyBySite], ['--ties', o.ties], ['--min-events-per-time-bin', o.minEventsPerTimeBin], ['--time-grid', o.timeGrid]] as const).filter(([, v]) => v !== undefined);
  if (coxFlags.length > 0 && (o.sites === undefined || spec.family !== 'cox')) {
    throw new CliUsageError(`${coxFlags.map(([f]) => f).join(', ')} set${coxFlags.length > 1 ? '' : 's'} how a Cox model is trained federated; give --model cox and --sites S.csv too`);
  }
  const mlpFlags = ([['--validation-fraction', o.validationFraction], ['--patience', o.patience]] as const).filter(([, v]) => v !== undefined);
  if (mlpFlags.length > 0 && (o.sites === undefined || spec.family !== 'mlp')) {
    throw new CliUsageError(`${mlpFlags.map(([f]) => f).join(', ')} set${mlpFlags.length > 1 ? '' : 's'} the early stopping of a federated MLP; give --model mlp and --sites S.csv too`);
  }
  if (o.sites !== undefined) {
    // The pooled fit's optimiser settings have no meaning in a federated run: refuse, don't drop them.
    const pooledOnly = ([['--solver', o.solver], ['--max-iterations', o.maxIterations], ['--epochs', o.epochs], ['--optimizer', o.optimizer]] as const).filter(([, v]) => v !== undefined);
    if (pooledOnly.length > 0) {
      throw new CliUsageError(`${pooledOnly.map(([f]) => f).join(', ')} set${pooledOnly.length > 1 ? '' : 's'} the pooled fit's optimiser; with --sites the strategy's rounds train the model (--strategy, --rounds, --local-epochs, --learning-rate)`);
    }
    const common = { features: o.features, outcome: o.outcome, sites: o.sites, out: o.out, cardPath: cardPathFor(o.out), model: spec, rounds: o.rounds ?? 50, minCohortSize: o.minCohort ?? 5, ...(o.name ? { name: o.name } : {}) };
    if (spec.family === 'cox') {
      const unused = ([['--clinical', o.clinical], ['--resample', o.resample]] as const).filter(([, v]) => v !== undefined);
      if (unused.length > 0) throw new CliUsageError(`${unused.map(([f]) => f).join(' and ')} ${unused.length > 1 ? 'are' : 'is'} not carried out by the federated Cox fit; train the Cox model pooled (without --sites) for them`);
      if (o.strategy !== undefined && o.strategy !== 'exact-newton') throw new CliUsageError(`A federated Cox model is fitted by exact Newton; --strategy ${o.strategy} is not implemented for it`);
      if (o.localEpochs !== undefined || o.learningRate !== undefined) throw new CliUsageError('--local-epochs and --learning-rate set local training; a federated Cox model is fitted by exact Newton, which has neither');
      return runFederatedCoxTrain({
        ...common,
        stratifyBySite: o.stratifyBySite ?? false,
        ties: o.ties ?? 'breslow',
        ...(o.minEventsPerTimeBin !== undefined ? { minEventsPerTimeBin: o.minEventsPerTimeBin } : {}),
        ...(o.timeGrid !== undefined ? { timeGrid: o.timeGrid } : {}),
      });
    }
    return runFederatedTrain({
      ...common,
      ...(featureTable ? { featureTable } : {}),
      ...(resampling ? { resampling } : {}),
      // An MLP is not linear in its weights: it averages locally trained weights (FedAvg by default).
      strategy: o.strategy ?? (spec.family === 'mlp' ? 'fedavg' : 'exact-newton'),
      ...(o.learningRate !== undefined ? { learningRate: o.learningRate } : {}),
      ...(o.localEpochs !== undefined ? { localEpochs: o.localEpochs } : {}),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...(mlpFlags.length > 0 ? { earlyStopping: { ...(o.validationFraction !== undefined ? { validationFraction: o.validationFraction } : {}), ...(o.patience !== undefined ? { patience: o.patience } : {}) } } : {}),
    });
  }
  if (o.strategy !== undefined || o.rounds !== undefined || o.localEpochs !== undefined || o.minCohort !== undefined) {
    throw new CliUsageError('--strategy, --rounds, --local-epochs and --min-cohort train federated over the sites of --sites S.csv; give --sites too');
  }
  const table = featureTable ?? readFeatureTable(readInputText(o.features, 'features'), o.features);
  const outcomeTable = readOutcomeTable(readInputText(o.outcome, 'outcome'), o.outcome);
  checkOutputPath(o.out, 'model');
  const { features, outcome } = resampling ? resampledTables(table, outcomeTable, resampling) : { features: table, outcome: outcomeTable };
  const fitOptions: FitOptions = {
    ...(o.solver ? { solver: o.solver } : {}),
    ...(o.maxIterations ? { maxIterations: o.maxIterations } : {}),
    ...(o.epochs ? { epochs: o.epochs } : {}),
    ...(o.learningRate ? { learningRate: o.learningRate } : {}),
    ...(o.optimizer ? { optimizer: o.optimizer } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
  };
  const model = await fitModel(spec, features, outcome, fitOptions);
  const bytes = exportInferenceModel(model);
  const patients = resampling ? alignOutcome(table, outcomeTable, o.outcome) : undefined;
  const card = modelCard(model, bytes, {
    ...(o.name ? { name: o.name } : {}),
    createdAt: new Date().toISOString(),
    ...(resampling && patients?.kind === 'binary' ? { resampling: resamplingRecord(resampling, patients.label.length, patients.label.reduce((a, y) => a + y, 0)) } : {}),
  });
  const cardPath = cardPathFor(o.out);
  writeFileSync(o.out, bytes);
  writeFileSync(cardPath, JSON.stringify(card, null, 2) + '\n');
  return { modelPath: o.out, cardPath, sha256: card.modelSha256, training: card.training };
}

/** With --clinical, the table of the model set (clinicalFeatures.ts); undefined when the features file is used as it is. */
function trainingTable(o: TrainOptions): FeatureCsv | undefined {
  if (o.clinical === undefined) {
    if (o.modelSet !== undefined && o.modelSet !== 'radiomics') throw new CliUsageError(`--model-set ${o.modelSet} trains on clinical covariates; give them with --clinical C.csv`);
    return undefined;
  }
  if (o.modelSet === undefined || o.modelSet === 'radiomics') {
    throw new CliUsageError('--clinical gives covariates for --model-set clinical (covariates only) or combined (features and covariates); say which');
  }
  const features = readFeatureTable(readInputText(o.features, 'features'), o.features);
  const clinical = readFeatureTable(readInputText(o.clinical, 'clinical'), o.clinical);
  return modelSetTable(features, clinical, o.modelSet);
}

/** The model the flags describe. */
function modelSpecOf(o: TrainOptions): ModelSpec {
  return {
    family: o.model,
    ...(o.alpha !== undefined ? { alpha: o.alpha } : {}),
    ...(o.lambda !== undefined ? { lambda: o.lambda } : {}),
    ...(o.standardize !== undefined ? { standardize: o.standardize } : {}),
    ...(o.classWeights ? { classWeights: o.classWeights } : {}),
    ...(o.hidden ? { hiddenLayers: o.hidden } : {}),
    ...(o.activation ? { activation: o.activation } : {}),
  };
}

export function register(program: Command): void {
  program
    .command('train')
    .description('Train a model on local feature and outcome tables; writes --out (ONNX), its card (--out without .onnx, + .card.json) and --out + .provenance.json')
    .requiredOption('--features <csv>', 'features CSV (id + one numeric column per feature, as written by fedrad extract)')
    .requiredOption('--outcome <csv>', 'outcome CSV: id,label (0/1) or id,time,event[,stratum]')
    .addOption(new Option('--model <family>', 'model family').choices(['lasso-logistic', 'elasticnet-logistic', 'logistic', 'cox', 'mlp']).makeOptionMandatory())
    .requiredOption('--out <model.onnx>', 'where to write the ONNX inference model')
    .option('--alpha <a>', "elastic-net mixing, glmnet's alpha: 1 = lasso, 0 = ridge (default 1 for lasso-logistic, 0.5 for elasticnet-logistic)", number('alpha'))
    .option('--lambda <l>', "penalty strength, glmnet's lambda on the mean log-likelihood (default 0.01; mlp: 1e-4 weight decay; cox, logistic: 0)", number('lambda'))
    .option('--standardize', 'standardise features (glmnet convention; coefficients reported on the original scale)', true)
    .option('--no-standardize', 'use features as they are')
    .addOption(new Option('--class-weights <mode>', 'weight classes equally in the loss').choices(['none', 'balanced']))
    .option('--hidden <sizes>', 'MLP hidden layer sizes, e.g. 16,8 (default 16)', (v: string) => v.split(',').map(number('hidden')))
    .addOption(new Option('--activation <fn>', 'MLP activation (default relu)').choices(['relu', 'tanh']))
    .option('--epochs <n>', 'MLP full-batch epochs (default 300)', number('epochs'))
    .option('--learning-rate <r>', 'MLP learning rate (default 0.01 with Adam, 0.05 with SGD); with --sites, the strategy\'s learning rate', number('learning-rate'))
    .addOption(new Option('--optimizer <name>', 'MLP optimiser: Adam, or SGD with momentum 0.9 (default adam)').choices(['adam', 'sgd']))
    .option('--seed <n>', 'seed for MLP initialisation (default 1)', number('seed'))
    .addOption(new Option('--solver <name>', 'optimiser for linear models').choices(['auto', 'newton', 'proximal-newton', 'fista']))
    .option('--max-iterations <n>', 'optimiser iteration budget', number('max-iterations'))
    .option('--name <text>', 'model name for the card')
    .option('--sites <csv>', 'id,site: train federated over these sites in one process (the local twin of a campaign: the same site step and aggregation); logistic families, cox (exact Newton) and mlp (fedavg, fedprox, fedadam, …)')
    .addOption(new Option('--strategy <name>', 'with --sites: the aggregation strategy (default exact-newton; mlp: fedavg)').choices(STRATEGIES))
    .option('--rounds <n>', 'with --sites: at most this many rounds (default 50; exact strategies stop earlier when converged, an MLP on its validation loss; an MLP\'s round 0 sets the pooled standardisation)', number('rounds'))
    .option('--local-epochs <n>', 'with --sites: local epochs per round for fedavg, fedprox, fedadam, fedyogi, median, trimmed-mean (default 1; mlp: 10 Adam steps)', number('local-epochs'))
    .option('--validation-fraction <f>', "with --sites and --model mlp: the share of each site's rows, per class, held out for early stopping (default 0.2)", number('validation-fraction'))
    .option('--patience <n>', 'with --sites and --model mlp: stop after this many rounds without a lower pooled validation loss, keeping the best round\'s model (default 5)', number('patience'))
    .option('--min-cohort <n>', 'with --sites: the fewest cases a site may have (default 5, as a campaign)', number('min-cohort'))
    .option('--clinical <csv>', 'clinical covariates: id + one numeric column each (categories coded as numbers), joined to the features by id')
    .addOption(new Option('--resample <method>', "rebalance the training rows' classes before fitting (with --sites, each site its own rows): random oversampling, undersampling or SMOTE; recorded in the model card").choices(['oversample', 'undersample', 'smote']))
    .option('--resample-seed <n>', 'with --resample: the seed (default 1; site k of --sites uses seed + k)', number('resample-seed'))
    .option('--smote-neighbours <k>', "with --resample smote: the minority neighbours (default 5)", number('smote-neighbours'))
    .addOption(new Option('--model-set <set>', 'train on the radiomics features, the clinical covariates of --clinical, or both (compare the clinical and combined models with fedrad evaluate --baseline)').choices(['radiomics', 'clinical', 'combined']))
    .option('--stratify-by-site', "with --sites and --model cox: a baseline hazard per site, coxph's strata(site) (default: one pooled baseline hazard)")
    .addOption(new Option('--ties <method>', 'with --sites and --model cox: how tied event times are handled (default breslow, as the pooled fit)').choices(['breslow', 'efron']))
    .option('--min-events-per-time-bin <n>', 'with --sites and a pooled cox model: event times are coarsened to bins holding 0 or at least n events and patients leaving the risk set at every site (default --min-cohort; 1 keeps the exact times)', number('min-events-per-time-bin'))
    .option('--time-grid <edges>', "with --sites and a pooled cox model: the time bins' lower edges, ascending (e.g. 0,90,180,365), as a campaign's model.timeGridDays: each time is coarsened to its bin's lower edge, and a site with 1 … n − 1 events or patients leaving in a bin refuses (n: --min-events-per-time-bin); without it the bins are found from the event times", (v: string) => v.split(',').map(number('time-grid')))
    .addHelpText(
      'after',
      '\nExample:\n  fedrad train --features features.csv --outcome outcome.csv --model lasso-logistic --lambda 0.02 --out model.onnx\n' +
        '  writes model.onnx (raw feature values in, probability out), model.card.json and model.onnx.provenance.json.\n' +
        '  fedrad train --features features.csv --outcome outcome.csv --model lasso-logistic --sites sites.csv --out model.onnx\n' +
        '  trains the same model federated over the sites of sites.csv (exact Newton: equal to the pooled fit).\n' +
        '  fedrad train --features features.csv --clinical clinical.csv --model-set combined --outcome outcome.csv --model logistic --out combined.onnx\n' +
        '  trains on the features and the clinical covariates; --model-set clinical on the covariates alone (the baseline).\n' +
        '  fedrad train --features features.csv --outcome survival.csv --model cox --sites sites.csv --stratify-by-site --ties efron --out model.onnx\n' +
        '  fits coxph(Surv(time, event) ~ x + strata(site)) federated: each site sends only its gradient and Hessian.\n' +
        '  fedrad train --features features.csv --outcome survival.csv --model cox --sites sites.csv --time-grid 0,90,180,365,730 --out model.onnx\n' +
        '  fits one baseline hazard over the sites (a pooled Cox campaign\'s local twin), equal to coxph on the times coarsened to those bins.\n' +
        '  fedrad train --features features.csv --outcome outcome.csv --model mlp --hidden 8 --sites sites.csv --strategy fedadam --patience 8 --out mlp.onnx\n' +
        '  trains an MLP federated: each site trains locally and holds out a validation split; the best round by pooled validation loss is kept.',
    )
    .action(async (opts: TrainOptions) => {
      const r = await runTrain(opts);
      const t = r.training;
      if (t.optimizer === 'federated') {
        const mlp = opts.model === 'mlp';
        const state = t.converged ? `${mlp ? 'stopped early on the pooled validation loss after' : 'converged in'} ${t.iterations} rounds` : `stopped after ${t.iterations} rounds`;
        const what = r.federation ? `${t.events} events; cox ${r.federation.variant}, ${r.federation.ties} ties` : `${t.events} positive; ${opts.strategy ?? (mlp ? 'fedavg' : 'exact-newton')}`;
        process.stdout.write(`trained federated over ${t.sites!.join(', ')} (${t.n} cases, ${what}, ${state})\nmodel: ${r.modelPath}\ncard:  ${r.cardPath}\nsha256: ${r.sha256}\n`);
        return;
      }
      // Linear models throw when they do not converge; an MLP stops at its epoch budget.
      const fit = t.converged
        ? `${t.optimizer}, converged in ${t.iterations} iterations`
        : `${t.optimizer}, stopped after ${t.iterations} epochs before the gradient vanished (more --epochs may help)`;
      process.stdout.write(`trained on ${t.n} cases (${t.events} ${opts.model === 'cox' ? 'events' : 'positive'}): ${fit}\nmodel: ${r.modelPath}\ncard:  ${r.cardPath}\nsha256: ${r.sha256}\n`);
    });
}
