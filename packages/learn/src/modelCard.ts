import { createHash } from 'node:crypto';
import type { ModelCard, ModelResampling } from '@fedrad/protocol';
import { INFERENCE_INPUT, INFERENCE_OUTPUT, ONNX_VERSIONS, scoreKind } from './export/inferenceGraph.js';
import { originalScaleCoefficients, type TrainedModel } from './models/trainedModel.js';

export const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The model card for an exported model (protocols/model-card.schema.json). */
export function modelCard(model: TrainedModel, onnxBytes: Uint8Array, extra: { name?: string; createdAt?: string; resampling?: ModelResampling } = {}): ModelCard {
  const { spec } = model;
  const mlp = model.training.mlp;
  const card: ModelCard = {
    cardVersion: 1,
    ...(extra.name ? { name: extra.name } : {}),
    modelSha256: sha256Hex(onnxBytes),
    family: spec.family,
    outcome: { kind: model.outcome, score: scoreKind(model) },
    inputs: {
      tensorName: INFERENCE_INPUT,
      dtype: 'float32',
      features: model.featureNames.map((name, j) => ({ name, mean: model.standardization.mean[j], scale: model.standardization.scale[j] })) as ModelCard['inputs']['features'],
    },
    output: { tensorName: INFERENCE_OUTPUT, dtype: 'float64' },
    training: {
      n: model.training.n,
      events: model.training.events,
      optimizer: model.training.optimizer as ModelCard['training']['optimizer'],
      iterations: model.training.iterations,
      converged: model.training.converged,
      objective: model.training.objective,
      // Class rebalancing of the training rows is part of how the model was made.
      ...(extra.resampling ? { resampling: extra.resampling } : {}),
    },
    hyperParameters: {
      alpha: spec.alpha,
      lambda: spec.lambda,
      standardize: spec.standardize,
      classWeights: spec.classWeights,
      ...(spec.family === 'mlp'
        ? {
            hiddenLayers: spec.hiddenLayers,
            activation: spec.activation,
            // The values the fit used, defaults included, so the card alone reproduces it.
            ...(mlp ? { epochs: mlp.epochs, learningRate: mlp.learningRate, seed: mlp.seed } : {}),
          }
        : {}),
    },
    onnx: ONNX_VERSIONS,
    ...(extra.createdAt ? { createdAt: extra.createdAt } : {}),
  };
  if (spec.family !== 'mlp') {
    const c = originalScaleCoefficients(model);
    card.coefficients = {
      ...(model.outcome === 'binary' ? { intercept: c.intercept } : {}),
      beta: Object.fromEntries(model.featureNames.map((f, j) => [f, c.beta[j]])),
    };
  }
  if (model.youdenThreshold !== undefined) card.youdenThreshold = model.youdenThreshold;
  if (model.survival) card.survival = model.survival;
  return card;
}
