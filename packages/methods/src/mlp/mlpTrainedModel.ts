import { buildModel, resolveSpec, type ModelSpec, type TrainedModel } from '@fedrad/learn';
import type { TensorView } from '@fedrad/federation';
import { splitMlpParameters, weightTensors, weightVector } from './mlpParameters.js';

/**
 * A federated MLP's global parameters as learn's TrainedModel, for the ONNX export and the model
 * card (the coordinator's lock and `fedrad train --model mlp --sites`): the pooled standardisation
 * becomes the graph's (x − mean) / scale, the weights its layers, exactly as the sites evaluated them.
 */
export function mlpTrainedModel(
  spec: ModelSpec,
  featureNames: readonly string[],
  parameters: readonly TensorView[],
  run: { n: number; events: number; rounds: number; converged: boolean },
): TrainedModel {
  const { standardization, weights } = splitMlpParameters(parameters);
  const model = buildModel(spec, featureNames.length);
  const theta = weightVector(model, weights);
  return {
    spec: resolveSpec(spec),
    featureNames: [...featureNames],
    outcome: 'binary',
    standardization,
    params: weightTensors(model, theta).map((t) => ({ name: t.name, shape: [t.shape[0], t.shape[1]] as [number, number], data: t.data })),
    training: { n: run.n, events: run.events, optimizer: 'federated', iterations: run.rounds, converged: run.converged, objective: Number.NaN, lastChange: Number.NaN },
  };
}
