import { applyStandardization, buildModel, LocalTrainer, mlpLocalSteps, type Objective } from '@fedrad/learn';
import type { Tensor, TrainRoundParams } from '@fedrad/protocol';
import { EgressRefusedError, MethodInputError } from '../errors.js';
import { clippedFrom } from '../training/clippedUpdate.js';
import { balancedWeights } from '../training/classWeighting.js';
import { siteCaseWeights } from '../training/pooledClassWeights.js';
import { assertJobFeatures, type TrainingRows } from '../training/trainingRows.js';
import type { PlainModelUpdate } from '../training/trainingSiteStep.js';
import { splitMlpParameters, weightTensors, weightVector } from './mlpParameters.js';
import { validationSplit } from './validationSplit.js';

/** Local training defaults of an MLP round: Adam's usual step, a few epochs between averages. */
export const MLP_LOCAL_DEFAULTS = { localEpochs: 10, learningRate: 0.01 } as const;

/**
 * One MLP round at a site (SITE_CHANNEL.md §6, the mlp row). The site first holds out its seeded
 * validation rows (validationSplit); both parts must reach the minimum cohort.
 *
 * - Round 0 (standardisation): the training rows' feature sums and sums of squares, nothing trained.
 * - Later rounds: with the features standardised by the global `input-mean`/`input-scale`, the
 *   training loss of the global weights, `localEpochs` Adam steps from them (mlpLocalSteps; FedProx
 *   adds its proximal term) sent as `parameters` (clipped to `clipNorm` when set), and
 *   `validation` = [summed log-loss of the GLOBAL weights on the validation rows, their count],
 *   which the coordinator pools for early stopping.
 *
 * With balanced class weights (model.classWeights "balanced") round 0's counts of the training rows
 * are the counting round (mlpMethod.ts), and every later job carries the pooled counts, checked as
 * in the FedAvg family (siteCaseWeights). Each training row's log-loss is then multiplied by its
 * class weight w_c = N / (2 N_c) and the local objective is (1/n) Σ wᵢ ℓᵢ — weighted binary
 * cross-entropy over the site's n training rows, as glmnet's weighted objective (weights summing to
 * N) — so FedAvg's n-weighted mean of local steps is a step on the pooled (1/N) Σ wᵢ ℓᵢ. The
 * reported losses (training and validation) are the same weighted sums, so early stopping watches
 * the balanced loss.
 */
export async function mlpSiteStep(params: TrainRoundParams, rows: TrainingRows, minCohortSize: number): Promise<PlainModelUpdate> {
  assertJobFeatures(params, rows);
  const split = params.validationSplit;
  if (!split) throw new MethodInputError('An MLP round names its validation split (validationSplit: fraction and seed).', { field: 'params/validationSplit' });
  const { train, validation } = validationSplit(rows.label, split.fraction, split.seed);
  for (const [part, list] of [['training', train], ['validation', validation]] as const) {
    if (list.length < minCohortSize) {
      throw new EgressRefusedError(`The site's ${part} rows (${list.length} of ${rows.label.length}, validation fraction ${split.fraction}) are under the campaign's minimum cohort of ${minCohortSize}; no aggregate of them may leave the site.`, { field: 'params/validationSplit' });
    }
  }
  const p = params.features.length;
  const trainX = subset(rows.x, p, train);
  const trainLabel = Float64Array.from(train, (i) => rows.label[i]);
  const base = { kind: 'train-round' as const, round: params.round, sampleCount: train.length, eventCount: trainLabel.reduce((a, y) => a + y, 0) };
  // Balanced class weights: round 0 counts (its sampleCount and eventCount), later rounds weight each row by the pooled counts.
  const caseWeight = params.model.classWeights === 'balanced' ? siteCaseWeights(params, { featureNames: rows.featureNames, x: trainX, label: trainLabel }, minCohortSize) : undefined;
  const weighted = caseWeight instanceof Float64Array ? caseWeight : undefined;

  if (params.round === 0) {
    const sum = new Array<number>(p).fill(0);
    const sumsq = new Array<number>(p).fill(0);
    for (let i = 0; i < train.length; i++) {
      for (let j = 0; j < p; j++) {
        const v = trainX[i * p + j];
        sum[j] += v;
        sumsq[j] += v * v;
      }
    }
    return { ...base, contents: 'feature-moments', tensors: [{ name: 'feature-sum', shape: [p], data: sum }, { name: 'feature-sumsq', shape: [p], data: sumsq }] };
  }

  const { standardization, weights } = splitMlpParameters(params.globalParameters);
  const model = buildModel(params.model, p);
  const theta = weightVector(model, weights);
  const standardised = (x: Float64Array, n: number) => applyStandardization(x, n, p, standardization);
  const validationLabel = Float64Array.from(validation, (i) => rows.label[i]);
  const trainer = await LocalTrainer.create(model, { n: train.length, p, x: standardised(trainX, train.length), weight: weighted ?? new Float64Array(train.length).fill(1), label: trainLabel });
  const validator = await LocalTrainer.create(model, {
    n: validation.length,
    p,
    x: standardised(subset(rows.x, p, validation), validation.length),
    weight: weighted ? classWeightsOf(validationLabel, params.balancedWeights!) : new Float64Array(validation.length).fill(1),
    label: validationLabel,
  });
  try {
    const loss = (await trainer.loss(theta)).loss;
    const validationLoss = (await validator.loss(theta)).loss;
    const trained = await mlpLocalSteps(weighted ? perTrainingRow(trainer, train.length) : trainer, model, theta, {
      epochs: params.localEpochs ?? MLP_LOCAL_DEFAULTS.localEpochs,
      learningRate: params.learningRate ?? MLP_LOCAL_DEFAULTS.learningRate,
      proximalMu: params.strategy === 'fedprox' ? params.proximalMu ?? 0.01 : 0,
    });
    const out = params.clipNorm === undefined ? Array.from(trained) : clippedFrom(Array.from(theta), Array.from(trained), params.clipNorm);
    const tensors: [Tensor, ...Tensor[]] = [...(weightTensors(model, out) as [Tensor, ...Tensor[]]), { name: 'validation', shape: [2], data: [validationLoss, validation.length] }];
    return { ...base, contents: 'parameters', tensors, loss };
  } finally {
    await Promise.all([trainer.release(), validator.release()]);
  }
}

/** Each row's balanced weight w_c = N / (2 N_c) from the job's pooled counts (siteCaseWeights checked them). */
function classWeightsOf(label: Float64Array, counts: { sampleCount: number; positiveCount: number }): Float64Array {
  const w = balancedWeights(counts.sampleCount, counts.positiveCount);
  return Float64Array.from(label, (y) => (y === 1 ? w.positive : w.negative));
}

/**
 * The weighted objective divided by the site's row count n rather than by Σ wᵢ (learn's smooth
 * objective divides by the evaluation's weightSum): (1/n) Σ wᵢ ℓᵢ, whose n-weighted mean over the
 * sites is the pooled (1/N) Σ wᵢ ℓᵢ (localTraining.ts does the same for the logistic families).
 */
function perTrainingRow(objective: Objective, n: number): Objective {
  return {
    paramCount: objective.paramCount,
    hasHessian: false,
    loss: async (theta) => ({ ...(await objective.loss(theta)), weightSum: n }),
    gradient: async (theta) => ({ ...(await objective.gradient(theta)), weightSum: n }),
  };
}

function subset(x: Float64Array, p: number, rows: readonly number[]): Float64Array {
  const out = new Float64Array(rows.length * p);
  rows.forEach((r, i) => out.set(x.subarray(r * p, (r + 1) * p), i * p));
  return out;
}
