import {
  buildModel,
  LocalTrainer,
  resolveSpec,
  softThreshold,
  standardization,
  applyStandardization,
  type LocalData,
} from '@fedrad/learn';
import type { ModelUpdate, Tensor, TrainRoundParams } from '@fedrad/protocol';
import { loadCohort, type CohortData } from '../cohortTables.js';
import { CohortError, JobInputError, SiteNodeError } from '../errors.js';
import type { JobInput } from '../jobTypes.js';

/**
 * One training round at the site (SITE_CHANNEL.md §6). Parameters travel as one tensor
 * `coef` = [intercept, β₁ … βₚ] on the original feature scale.
 *
 * - exact-newton / exact-gradient: no training — sums over the site's patients at the global
 *   coefficients of the unpenalised negative log-likelihood's gradient (and Hessian), plus
 *   per-feature sums and sums of squares, all evaluated by the learning engine's ONNX graphs
 *   on raw features. The coordinator adds the sites' sums and takes the penalised step, so the
 *   federated fit equals the pooled one.
 * - fedavg, fedprox, fedadam, fedyogi, median, trimmed-mean: `localEpochs` full-batch
 *   proximal-gradient steps (glmnet's objective: mean log-loss + elastic net, plus for FedProx
 *   (μ/2)‖w − w_global‖² on the original-scale parameters) on locally standardised features,
 *   returned on the original scale.
 */
export async function runTrainRound(input: JobInput): Promise<ModelUpdate> {
  const params = input.envelope.params as TrainRoundParams;
  if (params.kind !== 'train-round') throw new JobInputError('A train-round job must carry train-round parameters.', { field: 'params/kind' });
  if (params.secureAggregation) {
    throw new SiteNodeError('SECURE_AGGREGATION_UNSUPPORTED', 'This site node does not implement secure aggregation masks yet; run the campaign without secureAggregation.');
  }
  const spec = resolveSpec(params.model);
  if (spec.family === 'cox' || spec.family === 'mlp') {
    throw new JobInputError(`Federated ${spec.family} training is not supported by this site node yet (GLM logistic families only).`, { field: 'params/model/family' });
  }
  const cohort = loadCohort(input.cohort, params.features);
  if (cohort.outcome.kind !== 'binary') {
    throw new CohortError(`Cohort "${input.cohort.name}": ${input.cohort.outcome} has no binary label column; a logistic model needs one.`, { file: input.cohort.outcome, field: 'label' });
  }
  const p = params.features.length;
  const coef = globalCoefficients(params.globalParameters, p);
  const label = cohort.outcome.label;
  const n = cohort.ids.length;
  const eventCount = label.reduce((a, y) => a + y, 0);
  const base = { kind: 'train-round' as const, round: params.round, sampleCount: n, eventCount };

  if (params.strategy === 'exact-newton' || params.strategy === 'exact-gradient') {
    const withHessian = params.strategy === 'exact-newton';
    const sums = await exactSums(cohort, label, coef, withHessian);
    const tensors: [Tensor, ...Tensor[]] = [{ name: 'gradient', shape: [p + 1], data: sums.gradient }];
    if (withHessian) tensors.push({ name: 'hessian', shape: [p + 1, p + 1], data: sums.hessian! });
    tensors.push({ name: 'feature-sum', shape: [p], data: sums.featureSum }, { name: 'feature-sumsq', shape: [p], data: sums.featureSumSq });
    return { ...base, contents: withHessian ? 'gradient-hessian' : 'gradient', tensors, loss: sums.loss };
  }

  const trained = await localTraining(cohort, label, coef, {
    epochs: params.localEpochs ?? 1,
    learningRate: params.learningRate ?? 0.5,
    proximalMu: params.strategy === 'fedprox' ? params.proximalMu ?? 0.01 : 0,
    lambda: spec.lambda,
    alpha: spec.alpha,
  });
  let out = trained.coef;
  if (params.clipNorm !== undefined) out = clipDelta(coef, out, params.clipNorm);
  return { ...base, contents: 'parameters', tensors: [{ name: 'coef', shape: [p + 1], data: out }], loss: trained.loss };
}

function globalCoefficients(tensors: Tensor[], p: number): number[] {
  const coef = tensors.find((t) => t.name === 'coef');
  if (!coef) throw new JobInputError('The global parameters carry no "coef" tensor.', { field: 'params/globalParameters' });
  if (coef.data.length !== p + 1) {
    throw new JobInputError(`The global "coef" tensor has ${coef.data.length} values; the model has ${p} features plus an intercept (${p + 1}).`, { field: 'params/globalParameters' });
  }
  return coef.data;
}

async function trainerFor(x: Float64Array, n: number, p: number, label: Float64Array): Promise<LocalTrainer> {
  const data: LocalData = { n, p, x, weight: new Float64Array(n).fill(1), label };
  return LocalTrainer.create(buildModel({ family: 'logistic', standardize: false }, p), data);
}

async function exactSums(cohort: CohortData, label: Float64Array, coef: number[], withHessian: boolean) {
  const n = cohort.ids.length;
  const p = cohort.featureNames.length;
  const trainer = await trainerFor(cohort.x, n, p, label);
  try {
    // learn's θ is the wire's [intercept, β₁ … βₚ]: sums travel as the graphs return them.
    const ev = withHessian ? await trainer.hessian(Float64Array.from(coef)) : await trainer.gradient(Float64Array.from(coef));
    const gradient = Array.from(ev.gradient!);
    const hessian = withHessian ? Array.from(ev.hessian!) : undefined;
    const featureSum = new Array(p).fill(0);
    const featureSumSq = new Array(p).fill(0);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < p; j++) {
        const v = cohort.x[i * p + j];
        featureSum[j] += v;
        featureSumSq[j] += v * v;
      }
    }
    return { gradient, hessian, featureSum, featureSumSq, loss: ev.loss };
  } finally {
    await trainer.release();
  }
}

interface LocalOptions {
  epochs: number;
  learningRate: number;
  proximalMu: number;
  lambda: number;
  alpha: number;
}

async function localTraining(cohort: CohortData, label: Float64Array, coef: number[], o: LocalOptions): Promise<{ coef: number[]; loss: number }> {
  const n = cohort.ids.length;
  const p = cohort.featureNames.length;
  // Local standardisation is only a reparametrisation for the optimiser's sake: the
  // coefficients go in and come out on the original scale.
  const s = standardization(cohort.x, n, p, new Float64Array(n).fill(1), cohort.featureNames);
  const xs = applyStandardization(cohort.x, n, p, s);
  const trainer = await trainerFor(xs, n, p, label);
  try {
    // θ* = [b*, β*₁ … β*ₚ] on the standardised scale: β*ⱼ = βⱼ sⱼ, b* = b + Σ βⱼ mⱼ.
    const theta = new Float64Array(p + 1);
    for (let j = 0; j < p; j++) theta[j + 1] = coef[j + 1] * s.scale[j];
    theta[0] = coef[0] + coef.slice(1).reduce((a, b, j) => a + b * s.mean[j], 0);
    const ridge = o.lambda * (1 - o.alpha);
    const l1 = o.lambda * o.alpha;
    for (let e = 0; e < o.epochs; e++) {
      const ev = await trainer.gradient(theta);
      const prox = o.proximalMu > 0 ? proximalGradient(theta, coef, s, o.proximalMu) : undefined;
      for (let k = 0; k <= p; k++) {
        let g = ev.gradient![k] / n + (prox ? prox[k] : 0);
        if (k > 0) g += ridge * theta[k];
        theta[k] -= o.learningRate * g;
        // Proximal step of the lasso part (never on the intercept), as in glmnet's objective.
        if (k > 0 && l1 > 0) theta[k] = softThreshold(theta[k], o.learningRate * l1);
      }
    }
    const loss = (await trainer.loss(theta)).loss;
    const out = new Array(p + 1);
    let intercept = theta[0];
    for (let j = 0; j < p; j++) {
      out[j + 1] = theta[j + 1] / s.scale[j];
      intercept -= out[j + 1] * s.mean[j];
    }
    out[0] = intercept;
    return { coef: out, loss };
  } finally {
    await trainer.release();
  }
}

/**
 * Gradient, with respect to the standardised parameters θ* = (b*, β*), of FedProx's proximal
 * term (μ/2)‖w − w_global‖² taken on the ORIGINAL-scale parameters w = (b, β) as the wire
 * carries them (Li et al. 2020, FedProx; SITE_CHANNEL.md §6). With βⱼ = β*ⱼ/sⱼ and
 * b = b* − Σ β*ⱼ mⱼ/sⱼ: ∂/∂b* = μ(b − b_g), ∂/∂β*ⱼ = μ(βⱼ − βⱼ_g)/sⱼ − μ(b − b_g) mⱼ/sⱼ.
 */
function proximalGradient(theta: Float64Array, global: number[], s: { mean: number[]; scale: number[] }, mu: number): Float64Array {
  const p = theta.length - 1;
  let b = theta[0];
  const beta = new Array<number>(p);
  for (let j = 0; j < p; j++) {
    beta[j] = theta[j + 1] / s.scale[j];
    b -= beta[j] * s.mean[j];
  }
  const db = mu * (b - global[0]);
  const out = new Float64Array(p + 1);
  for (let j = 0; j < p; j++) out[j + 1] = (mu * (beta[j] - global[j + 1]) - db * s.mean[j]) / s.scale[j];
  out[0] = db;
  return out;
}

/** Scales the update θ − θ_global down to norm `clip` when it is longer (update norm clipping). */
function clipDelta(global: number[], local: number[], clip: number): number[] {
  const norm = Math.sqrt(local.reduce((a, v, k) => a + (v - global[k]) ** 2, 0));
  if (norm <= clip) return local;
  const f = clip / norm;
  return local.map((v, k) => global[k] + f * (v - global[k]));
}
