import { resolveSpec } from '@fedrad/learn';
import type { ModelUpdate, Tensor, TrainRoundParams } from '@fedrad/protocol';
import { MethodInputError } from '../errors.js';
import { positiveClassTensors } from './classWeighting.js';
import { exactSums } from './exactSums.js';
import { localTraining } from './localTraining.js';
import { clippedFrom } from './clippedUpdate.js';
import { siteCaseWeights } from './pooledClassWeights.js';
import { assertJobFeatures } from './trainingRows.js';
import { mlpSiteStep } from '../mlp/mlpSiteStep.js';
import { coxSiteStep } from '../cox/coxSiteStep.js';
import type { TrainingRows } from './trainingRows.js';

/** A model update whose tensors are plain number arrays (the site node packs them before sending). */
export type PlainModelUpdate = Omit<ModelUpdate, 'tensors' | 'sampleCount'> & { sampleCount: number; tensors: [Tensor, ...Tensor[]] };

/**
 * One training round at a site (SITE_CHANNEL.md §6): the update `params` asks for, from the
 * site's own rows. Parameters travel as one tensor `coef` = [intercept, β₁ … βₚ] on the original
 * feature scale.
 *
 * - exact-newton / exact-gradient: the sums of exactSums, nothing trained; with balanced class
 *   weights also their positive-class parts (classWeighting.ts), each class at least `minCohortSize`.
 * - fedavg, fedprox, fedadam, fedyogi, median, trimmed-mean: `localEpochs` of localTraining from
 *   the global coefficients, the delta clipped to `clipNorm` when set (the coordinator clips again);
 *   with balanced class weights round 0 sends the coefficients back untrained (the class counts
 *   ride on every update) and later rounds weight each patient by the job's pooled-count weights.
 * - family mlp: mlpSiteStep (its own parameters, validation split and standardisation round).
 */
export async function trainingSiteStep(params: TrainRoundParams, rows: TrainingRows, site: { minCohortSize?: number } = {}): Promise<PlainModelUpdate> {
  const spec = resolveSpec(params.model);
  if (spec.family === 'mlp') return mlpSiteStep(params, rows, site.minCohortSize ?? 5);
  // The minimum cohort (the campaign's or the site's, the higher; 5 by default, DESIGN.md) bounds the Cox baseline hazard's events.
  if (spec.family === 'cox') return coxTrainingStep(params, rows, spec.ties ?? 'breslow', site.minCohortSize ?? 5);
  assertJobFeatures(params, rows);
  const p = params.features.length;
  const coef = globalCoefficients(params.globalParameters, p);
  const n = rows.label.length;
  const eventCount = rows.label.reduce((a, y) => a + y, 0);
  const base = { kind: 'train-round' as const, round: params.round, sampleCount: n, eventCount };

  if (params.strategy === 'exact-newton' || params.strategy === 'exact-gradient') {
    const withHessian = params.strategy === 'exact-newton';
    const sums = await exactSums(rows, coef, withHessian);
    const tensors: [Tensor, ...Tensor[]] = [{ name: 'gradient', shape: [p + 1], data: sums.gradient }];
    if (withHessian) tensors.push({ name: 'hessian', shape: [p + 1, p + 1], data: sums.hessian! });
    tensors.push({ name: 'feature-sum', shape: [p], data: sums.featureSum }, { name: 'feature-sumsq', shape: [p], data: sums.featureSumSq });
    // Without the site's minimum the campaign default (5) guards the per-class sums.
    if (params.model.classWeights === 'balanced') tensors.push(...(await positiveClassTensors(rows, coef, withHessian, site.minCohortSize ?? 5)));
    return { ...base, contents: withHessian ? 'gradient-hessian' : 'gradient', tensors, loss: sums.loss };
  }

  // Balanced class weights (FedAvg family, median, trimmed mean): round 0 only counts, later rounds weight each patient by the pooled counts.
  const caseWeight = params.model.classWeights === 'balanced' ? siteCaseWeights(params, rows, site.minCohortSize ?? 5) : undefined;
  if (caseWeight === 'count') return { ...base, contents: 'parameters', tensors: [{ name: 'coef', shape: [p + 1], data: [...coef] }] };
  const trained = await localTraining(rows, coef, {
    epochs: params.localEpochs ?? 1,
    learningRate: params.learningRate ?? 0.5,
    proximalMu: params.strategy === 'fedprox' ? params.proximalMu ?? 0.01 : 0,
    lambda: spec.lambda,
    alpha: spec.alpha,
    ...(caseWeight ? { caseWeight } : {}),
  });
  const out = params.clipNorm === undefined ? trained.coef : clippedFrom(coef, trained.coef, params.clipNorm);
  return { ...base, contents: 'parameters', tensors: [{ name: 'coef', shape: [p + 1], data: out }], loss: trained.loss };
}

function globalCoefficients(tensors: Tensor[], p: number): number[] {
  const coef = tensors.find((t) => t.name === 'coef');
  if (!coef) throw new MethodInputError('The global parameters carry no "coef" tensor.', { field: 'params/globalParameters' });
  if (coef.data.length !== p + 1) {
    throw new MethodInputError(`The global "coef" tensor has ${coef.data.length} values; the model has ${p} features plus an intercept (${p + 1}).`, { field: 'params/globalParameters' });
  }
  return coef.data;
}

/**
 * A campaign's Cox round (SITE_CHANNEL.md §6, the cox rows) at the global `coef` [p]: stratified
 * by site (model.strata "site"), the site is one stratum and sends coxSiteStep's gradient and
 * Hessian; pooled (model.strata "none"), it sends its risk-set sums in the protocol's time bins
 * (model.timeGridDays, which protocolConformance holds to the approved protocol), and refuses the
 * job when a bin holds between 1 and minCohortSize − 1 of its events or patients leaving.
 */
function coxTrainingStep(params: TrainRoundParams, rows: TrainingRows, ties: 'breslow' | 'efron', minCohortSize: number): PlainModelUpdate {
  if (!rows.time || !rows.event) throw new MethodInputError('A Cox model needs the cohort\'s follow-up time and event; this cohort has a binary label only.', { field: 'params/model/family' });
  if (params.strategy !== 'exact-newton') throw new MethodInputError(`A Cox round is exact-newton; the job asks for ${params.strategy}.`, { field: 'params/strategy' });
  const p = params.features.length;
  const coef = params.globalParameters.find((t) => t.name === 'coef');
  if (!coef || coef.data.length !== p) throw new MethodInputError(`The global "coef" tensor must hold ${p} values for a Cox model (no intercept).`, { field: 'params/globalParameters' });
  const pooled = params.model.strata === 'none';
  if (pooled && params.horizonDays !== undefined) throw new MethodInputError('A pooled Cox round sends no baseline hazard (the coordinator takes it from the pooled sums); the job asks for one at params.horizonDays.', { field: 'params/horizonDays' });
  const update = coxSiteStep(
    {
      kind: 'cox-round', round: params.round, variant: pooled ? 'pooled' : 'stratified', ties, model: params.model, features: params.features, beta: coef.data, minCohortSize,
      ...(pooled ? { timeEdges: params.model.timeGridDays ?? [], minEventsPerTimeBin: minCohortSize } : { horizonDays: params.horizonDays ?? [] }),
    },
    { featureNames: rows.featureNames, x: rows.x, time: rows.time, event: rows.event },
  );
  return {
    kind: 'train-round', round: params.round, sampleCount: update.sampleCount, eventCount: update.eventCount,
    contents: pooled ? 'risk-set-sums' : 'gradient-hessian', tensors: update.tensors as [Tensor, ...Tensor[]], ...(update.loss !== undefined ? { loss: update.loss } : {}),
  };
}
