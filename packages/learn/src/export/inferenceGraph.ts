import { Graph } from '../graph/graph.js';
import { IR_VERSION, OPSET_VERSION } from '../graph/onnxProto.js';
import { serializeGraph } from '../graph/serialize.js';
import { buildModel } from '../models/forward.js';
import type { TrainedModel } from '../models/trainedModel.js';

export const INFERENCE_INPUT = 'features';
export const INFERENCE_OUTPUT = 'score';
/** Cox models with horizons: S(t | x) at each horizon, [N, h]. */
export const SURVIVAL_OUTPUT = 'survival';

/** ONNX metadata keys the exported model carries (read back by loadInferenceModel). */
export const METADATA = {
  features: 'fedrad.features',
  family: 'fedrad.family',
  score: 'fedrad.score',
  youdenThreshold: 'fedrad.youdenThreshold',
  horizonsDays: 'fedrad.horizonsDays',
  baselineSurvival: 'fedrad.baselineSurvival',
} as const;

export const scoreKind = (m: TrainedModel) => (m.outcome === 'binary' ? 'probability' : 'linear-predictor');

/**
 * The clean inference model: raw float32 features [N, p] in, score [N] out (probability for
 * binary models, Cox linear predictor for survival), and for a Cox model with horizons also
 * `survival` [N, h], S(t | x) at each horizon from the baseline survival the model stores. Computation is in float64 after the input
 * cast, and the standardisation (x − mean) / scale is part of the graph, so callers never
 * pre-process. Built from the same forward builder as the training graphs. Deterministic bytes:
 * the SHA-256 of the file identifies the model.
 */
export function exportInferenceModel(model: TrainedModel): Uint8Array {
  const p = model.featureNames.length;
  const forward = buildModel(model.spec, p);
  const g = new Graph('fedrad_inference');
  const raw = g.input(INFERENCE_INPUT, 'float32', ['N', p]);
  const x = g.cast(raw, 'float64');
  const centred = g.sub(x, g.constant(model.standardization.mean, [1, p], 'float64', 'feature_mean'));
  const standardised = g.div(centred, g.constant(model.standardization.scale, [1, p], 'float64', 'feature_scale'));
  const byName = new Map(model.params.map((q) => [q.name, q]));
  const eta = forward.linearPredictor(g, standardised, (name) => {
    const q = byName.get(name)!;
    return g.values.has(name) ? name : g.constant(q.data, q.shape, 'float64', name);
  });
  const linked = model.outcome === 'binary' ? g.sigmoid(eta) : eta;
  const score = g.op('Reshape', [linked, g.int64s([-1])], {}, { dtype: 'float64', shape: ['N'], name: INFERENCE_OUTPUT });
  const outputs = [score];
  const horizons = model.survival?.horizonsDays ?? [];
  if (horizons.length > 0) {
    // S(t | x) = S0(t)^exp(η) = exp(log S0(t) · e^η) (Cox 1972; Therneau & Grambsch 2000 §10.2), one column per horizon.
    const logS0 = g.constant(model.survival!.baselineSurvival.map((s) => Math.log(s)), [1, horizons.length], 'float64', 'log_baseline_survival');
    outputs.push(g.identity(g.exp(g.mul(g.exp(eta), logS0)), SURVIVAL_OUTPUT));
  }
  const metadata: Record<string, string> = {
    [METADATA.features]: JSON.stringify(model.featureNames),
    [METADATA.family]: model.spec.family,
    [METADATA.score]: scoreKind(model),
  };
  if (model.youdenThreshold !== undefined) metadata[METADATA.youdenThreshold] = String(model.youdenThreshold);
  if (horizons.length > 0) {
    metadata[METADATA.horizonsDays] = JSON.stringify(horizons);
    metadata[METADATA.baselineSurvival] = JSON.stringify(model.survival!.baselineSurvival);
  }
  return serializeGraph(g, {
    outputs,
    docString: `FedRad ${model.spec.family} model; input "${INFERENCE_INPUT}" = raw feature values in the order of ${METADATA.features}`,
    metadata,
  });
}

export const ONNX_VERSIONS = { opset: OPSET_VERSION, irVersion: IR_VERSION };
