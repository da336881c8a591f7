import { buildModel, initMlp, paramSize, type ForwardModel, type ModelSpec } from '@fedrad/learn';
import type { Tensor } from '@fedrad/protocol';
import type { Standardization } from '@fedrad/numeric';
import type { TensorView } from '@fedrad/federation';
import { MethodInputError } from '../errors.js';

/**
 * An MLP campaign's global parameters (SITE_CHANNEL.md §6, the mlp row): the pooled
 * standardisation the network's input is taken through, `input-mean` [p] and `input-scale` [p],
 * then the forward model's weights and biases (W0 [p, h₁], b0 [1, h₁], …) on the standardised
 * scale, in @fedrad/learn's order. The standardisation is set once, from round 0's pooled feature
 * moments; the strategies average only the weights.
 */
export const INPUT_MEAN = 'input-mean';
export const INPUT_SCALE = 'input-scale';

/** Round 0's parameters: a placeholder standardisation (mean 0, scale 1) and learn's seeded Glorot weights. */
export function mlpInitialParameters(spec: ModelSpec, featureCount: number, seed: number): Tensor[] {
  const model = buildModel(spec, featureCount);
  return [
    { name: INPUT_MEAN, shape: [featureCount], data: new Array<number>(featureCount).fill(0) },
    { name: INPUT_SCALE, shape: [featureCount], data: new Array<number>(featureCount).fill(1) },
    ...weightTensors(model, initMlp(model, seed)),
  ];
}

/** A flat parameter vector (learn's order) as one tensor per weight matrix and bias. */
export function weightTensors(model: ForwardModel, theta: ArrayLike<number>): Tensor[] {
  let offset = 0;
  return model.params.map((q) => {
    const size = paramSize(q);
    const data = Array.from({ length: size }, (_, k) => theta[offset + k]);
    offset += size;
    return { name: q.name, shape: [...q.shape], data };
  });
}

/** The standardisation and the weight tensors of an MLP's global parameters; refuses a set that is not one. */
export function splitMlpParameters<T extends TensorView>(tensors: readonly T[]): { standardization: Standardization; weights: T[] } {
  const mean = tensors.find((t) => t.name === INPUT_MEAN);
  const scale = tensors.find((t) => t.name === INPUT_SCALE);
  if (!mean || !scale) throw new MethodInputError(`An MLP's global parameters start with "${INPUT_MEAN}" and "${INPUT_SCALE}"; these carry ${tensors.map((t) => t.name).join(', ')}.`, { field: 'params/globalParameters' });
  return {
    standardization: { mean: Array.from(mean.data), scale: Array.from(scale.data) },
    weights: tensors.filter((t) => t !== mean && t !== scale),
  };
}

/** The weights as the flat vector learn's graphs take, each tensor checked against the model's shape. */
export function weightVector(model: ForwardModel, weights: readonly TensorView[]): Float64Array {
  const theta = new Float64Array(model.params.reduce((a, q) => a + paramSize(q), 0));
  let offset = 0;
  for (const q of model.params) {
    const t = weights.find((w) => w.name === q.name);
    if (!t || t.data.length !== paramSize(q)) {
      throw new MethodInputError(`The MLP's "${q.name}" must hold ${q.shape.join(' × ')} values; the global parameters give ${t ? t.data.length : 'none'}.`, { field: 'params/globalParameters' });
    }
    theta.set(Array.from(t.data), offset);
    offset += paramSize(q);
  }
  return theta;
}
