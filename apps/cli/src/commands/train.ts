import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import {
  exportInferenceModel, fitModel, modelCard, readFeatureTable, readOutcomeTable,
  type FitOptions, type ModelFamily, type ModelSpec,
} from '@fedrad/learn';
import type { ModelCard } from '@fedrad/protocol';
import { CliUsageError } from '../errors.js';
import { checkOutputPath, readInputText } from '../commandFiles.js';

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
}

/** The model card sits next to the model: model.onnx -> model.card.json. */
export const cardPathFor = (onnxPath: string) => onnxPath.replace(/\.onnx$/i, '') + '.card.json';

/** `fedrad train`: fit on local tables, write the ONNX inference model and its model card. */
export async function runTrain(o: TrainOptions): Promise<{ modelPath: string; cardPath: string; sha256: string; training: ModelCard['training'] }> {
  const features = readFeatureTable(readInputText(o.features, 'features'), o.features);
  const outcome = readOutcomeTable(readInputText(o.outcome, 'outcome'), o.outcome);
  checkOutputPath(o.out, 'model');
  const spec: ModelSpec = {
    family: o.model,
    ...(o.alpha !== undefined ? { alpha: o.alpha } : {}),
    ...(o.lambda !== undefined ? { lambda: o.lambda } : {}),
    ...(o.standardize !== undefined ? { standardize: o.standardize } : {}),
    ...(o.classWeights ? { classWeights: o.classWeights } : {}),
    ...(o.hidden ? { hiddenLayers: o.hidden } : {}),
    ...(o.activation ? { activation: o.activation } : {}),
  };
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
  const card = modelCard(model, bytes, { ...(o.name ? { name: o.name } : {}), createdAt: new Date().toISOString() });
  const cardPath = cardPathFor(o.out);
  writeFileSync(o.out, bytes);
  writeFileSync(cardPath, JSON.stringify(card, null, 2) + '\n');
  return { modelPath: o.out, cardPath, sha256: card.modelSha256, training: card.training };
}

const number = (name: string) => (v: string) => {
  const x = Number(v);
  if (!Number.isFinite(x)) throw new CliUsageError(`--${name} expects a number, got "${v}"`);
  return x;
};

export function register(program: Command): void {
  program
    .command('train')
    .description('Train a model on local feature and outcome tables; writes model.onnx and model.card.json next to it')
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
    .option('--learning-rate <r>', 'MLP learning rate (default 0.01 with Adam, 0.05 with SGD)', number('learning-rate'))
    .addOption(new Option('--optimizer <name>', 'MLP optimiser: Adam, or SGD with momentum 0.9 (default adam)').choices(['adam', 'sgd']))
    .option('--seed <n>', 'seed for MLP initialisation (default 1)', number('seed'))
    .addOption(new Option('--solver <name>', 'optimiser for linear models').choices(['auto', 'newton', 'proximal-newton', 'fista']))
    .option('--max-iterations <n>', 'optimiser iteration budget', number('max-iterations'))
    .option('--name <text>', 'model name for the card')
    .addHelpText(
      'after',
      '\nExample:\n  fedrad train --features features.csv --outcome outcome.csv --model lasso-logistic --lambda 0.02 --out model.onnx\n' +
        '  writes model.onnx (raw feature values in, probability out) and model.card.json next to it.',
    )
    .action(async (opts: TrainOptions) => {
      const r = await runTrain(opts);
      const t = r.training;
      // Linear models throw when they do not converge; an MLP stops at its epoch budget.
      const fit = t.converged
        ? `${t.optimizer}, converged in ${t.iterations} iterations`
        : `${t.optimizer}, stopped after ${t.iterations} epochs before the gradient vanished (more --epochs may help)`;
      process.stdout.write(`trained on ${t.n} cases (${t.events} ${opts.model === 'cox' ? 'events' : 'positive'}): ${fit}\nmodel: ${r.modelPath}\ncard:  ${r.cardPath}\nsha256: ${r.sha256}\n`);
    });
}
