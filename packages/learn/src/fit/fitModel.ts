import { applyStandardization, identityStandardization, type ElasticNet } from '@fedrad/numeric';
import { DegenerateOutcomeError, ModelSpecError } from '../errors.js';
import { buildModel, paramSize, totalParamSize, type ForwardModel } from '../models/forward.js';
import { resolveSpec, type ModelSpec } from '../models/spec.js';
import { standardization } from '../models/standardization.js';
import type { TrainedModel } from '../models/trainedModel.js';
import { referenceScores } from '../models/referenceForward.js';
import { youdenThreshold } from '../models/youden.js';
import { minimizeFista } from '../optim/fista.js';
import { minimizeNewton } from '../optim/newton.js';
import { minimizeProximalNewton } from '../optim/proximalNewton.js';
import type { OptimResult } from '../optim/smoothObjective.js';
import { resolveMlpOptions, trainMlp, type MlpOptions } from './trainMlp.js';
import type { FeatureCsv as FeatureTable, OutcomeCsv as OutcomeTable } from '@fedrad/protocol';
import { alignOutcome } from '../tables/alignOutcome.js';
import { LocalTrainer } from '../training/localTrainer.js';

export interface FitOptions extends MlpOptions {
  /** 'auto': Newton without L1, proximal Newton up to 300 parameters, FISTA beyond. */
  solver?: 'auto' | 'newton' | 'proximal-newton' | 'fista';
  maxIterations?: number;
  tolerance?: number;
}

/** Case weights: 1, or 'balanced' = n / (2 n_class) so both classes weigh the same in the loss. */
function caseWeights(outcome: OutcomeTable, mode: 'none' | 'balanced'): Float64Array {
  const n = outcome.ids.length;
  if (mode === 'none' || outcome.kind !== 'binary') return new Float64Array(n).fill(1);
  const pos = outcome.label.reduce((a, y) => a + y, 0);
  return outcome.label.map((y) => (y === 1 ? n / (2 * pos) : n / (2 * (n - pos))));
}

function checkOutcome(outcome: OutcomeTable, family: string, source: string): number {
  if (outcome.kind === 'binary') {
    if (family === 'cox') throw new ModelSpecError(`${source}: a Cox model needs an outcome with time and event columns; this one has label`);
    const pos = outcome.label.reduce((a, y) => a + y, 0);
    if (pos === 0 || pos === outcome.label.length)
      throw new DegenerateOutcomeError(`${source}: the outcome has a single class (${pos} positive of ${outcome.label.length}); a classifier needs both 0 and 1`, { positives: pos, n: outcome.label.length });
    return pos;
  }
  if (family !== 'cox') throw new ModelSpecError(`${source}: ${family} needs a binary label column; this outcome has time and event`);
  const events = outcome.event.reduce((a, e) => a + e, 0);
  if (events === 0) throw new DegenerateOutcomeError(`${source}: the survival outcome has no events; a Cox model cannot be fitted`, { events, n: outcome.event.length });
  return events;
}

async function optimise(trainer: LocalTrainer, model: ForwardModel, options: FitOptions): Promise<OptimResult> {
  const P = totalParamSize(model.params);
  const penalized: boolean[] = [];
  for (const p of model.params) for (let k = 0; k < paramSize(p); k++) penalized.push(p.penalized);
  const pen: ElasticNet = { lambda: model.spec.lambda, alpha: model.spec.alpha, penalized };
  const theta0 = new Float64Array(P);
  const opts = { maxIterations: options.maxIterations, tolerance: options.tolerance };
  let solver = options.solver ?? 'auto';
  if (solver === 'auto') solver = pen.lambda * pen.alpha === 0 ? 'newton' : P <= 300 ? 'proximal-newton' : 'fista';
  if (solver === 'newton') return minimizeNewton(trainer, theta0, pen, opts);
  if (solver === 'proximal-newton') return minimizeProximalNewton(trainer, theta0, pen, opts);
  return minimizeFista(trainer, theta0, pen, opts);
}

/**
 * Fits a model to one site's tables: joins outcome to features on id, standardises (glmnet's
 * convention) when asked, trains through the derived ONNX graphs, and returns a TrainedModel
 * whose parameters apply to standardised features (the exported graph standardises raw input).
 */
export async function fitModel(spec: ModelSpec, features: FeatureTable, outcomeTable: OutcomeTable, options: FitOptions = {}): Promise<TrainedModel> {
  const s = resolveSpec(spec);
  // The ONNX loss graph is Breslow's (losses.ts); Efron's ties are fitted federated (@fedrad/methods' Cox).
  if (s.family === 'cox' && s.ties === 'efron') throw new ModelSpecError(`The centralised Cox fit handles Breslow ties; ties "${s.ties}" is fitted by the federated Cox method (fedrad train --sites)`);
  const outcome = alignOutcome(features, outcomeTable);
  const events = checkOutcome(outcome, s.family, outcomeTable.source ?? 'outcome CSV');
  const n = features.ids.length;
  const p = features.featureNames.length;
  const weight = caseWeights(outcome, s.classWeights);
  const std = s.standardize ? standardization(features.values, n, p, weight, features.featureNames, features.source) : identityStandardization(p);
  const x = applyStandardization(features.values, n, p, std);
  const model = buildModel(s, p);
  const trainer = await LocalTrainer.create(model, {
    n,
    p,
    x,
    weight,
    ...(outcome.kind === 'binary' ? { label: outcome.label } : { time: outcome.time, event: outcome.event, stratum: outcome.stratum }),
  });
  try {
    const result = s.family === 'mlp' ? await trainMlp(trainer, model, options) : await optimise(trainer, model, options);
    const params = [];
    let offset = 0;
    for (const q of model.params) {
      params.push({ name: q.name, shape: q.shape, data: Array.from(result.theta.subarray(offset, offset + paramSize(q))) });
      offset += paramSize(q);
    }
    const trained: TrainedModel = {
      spec: s,
      featureNames: features.featureNames,
      outcome: model.outcome,
      standardization: std,
      params,
      training: {
        n,
        events,
        optimizer: result.optimizer,
        iterations: result.iterations,
        converged: result.converged,
        objective: result.objective,
        lastChange: result.lastChange,
        ...(s.family === 'mlp' ? { mlp: resolveMlpOptions(options) } : {}),
      },
    };
    if (outcome.kind === 'survival') {
      trained.survival = { variant: 'centralised', ties: 'breslow', strata: [...new Set(outcome.stratum ?? [])].sort(), horizonsDays: [], baselineSurvival: [] };
    }
    if (outcome.kind === 'binary') trained.youdenThreshold = youdenThreshold(referenceScores(trained, features.values, n), outcome.label).threshold;
    return trained;
  } finally {
    await trainer.release();
  }
}

/** Elastic-net logistic regression with glmnet's objective (family lasso-/elasticnet-logistic). */
export function fitGlmnet(features: FeatureTable, outcome: OutcomeTable, hp: { alpha: number; lambda: number; standardize?: boolean; classWeights?: 'none' | 'balanced' }, options?: FitOptions) {
  const family = hp.alpha === 1 ? 'lasso-logistic' : 'elasticnet-logistic';
  return fitModel({ family, ...hp }, features, outcome, options);
}

/** Cox proportional hazards, Breslow ties, optional strata (outcome column `stratum`). */
export function fitCox(features: FeatureTable, outcome: OutcomeTable, hp: { alpha?: number; lambda?: number; standardize?: boolean } = {}, options?: FitOptions) {
  return fitModel({ family: 'cox', standardize: false, ...hp }, features, outcome, options);
}
