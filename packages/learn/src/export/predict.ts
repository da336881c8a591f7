import { FeatureMismatchError, ModelFormatError } from '../errors.js';
import { onnx } from '../graph/onnxProto.js';
import { CompiledGraph } from '../runtime/session.js';
import type { FeatureCsv as FeatureTable } from '@fedrad/protocol';
import { INFERENCE_INPUT, INFERENCE_OUTPUT, METADATA, SURVIVAL_OUTPUT } from './inferenceGraph.js';

export interface InferenceModel {
  featureNames: string[];
  family: string;
  score: 'probability' | 'linear-predictor';
  youdenThreshold?: number;
  /** Cox models exported with horizons: the columns of the `survival` output, and S0 at each. */
  horizonsDays?: number[];
  baselineSurvival?: number[];
  session: CompiledGraph;
}

/** Reads a FedRad ONNX inference model and opens its session (once; reuse it for many tables). */
export async function loadInferenceModel(bytes: Uint8Array, source = 'model'): Promise<InferenceModel> {
  let proto: ReturnType<typeof onnx.ModelProto.decode>;
  try {
    proto = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new ModelFormatError(`${source}: not an ONNX model (${(e as Error).message})`, e);
  }
  const meta = new Map((proto.metadataProps ?? []).map((m) => [m.key ?? '', m.value ?? '']));
  const features = meta.get(METADATA.features);
  if (!features) throw new ModelFormatError(`${source}: no ${METADATA.features} metadata; it was not exported by fedrad train`);
  const session = await CompiledGraph.create(bytes);
  if (!session.inputNames.includes(INFERENCE_INPUT) || !session.outputNames.includes(INFERENCE_OUTPUT))
    throw new ModelFormatError(`${source}: expected input "${INFERENCE_INPUT}" and output "${INFERENCE_OUTPUT}"`);
  const threshold = meta.get(METADATA.youdenThreshold);
  const horizons = meta.get(METADATA.horizonsDays);
  return {
    ...(horizons !== undefined ? { horizonsDays: JSON.parse(horizons) as number[], baselineSurvival: JSON.parse(meta.get(METADATA.baselineSurvival) ?? '[]') as number[] } : {}),
    featureNames: JSON.parse(features) as string[],
    family: meta.get(METADATA.family) ?? 'unknown',
    score: (meta.get(METADATA.score) as InferenceModel['score']) ?? 'probability',
    ...(threshold !== undefined ? { youdenThreshold: Number(threshold) } : {}),
    session,
  };
}

/**
 * Scores every case of a feature table. Columns are matched by name (order may differ); a
 * feature the model needs that is absent, or a column the model does not know, is refused
 * with both lists, rather than silently dropped.
 */
export async function predict(model: InferenceModel, table: FeatureTable, source = 'features CSV'): Promise<Float64Array> {
  return (await predictOutputs(model, table, source)).score;
}

/** The score and, for a Cox model exported with horizons, S(t | x) per case and horizon (row-major n × h). */
export async function predictOutputs(model: InferenceModel, table: FeatureTable, source = 'features CSV'): Promise<{ score: Float64Array; survival?: Float64Array }> {
  const have = new Map(table.featureNames.map((f, j) => [f, j]));
  const missing = model.featureNames.filter((f) => !have.has(f));
  const known = new Set(model.featureNames);
  const unexpected = table.featureNames.filter((f) => !known.has(f));
  if (missing.length || unexpected.length) throw new FeatureMismatchError(missing, unexpected, source);
  const n = table.ids.length;
  const p = model.featureNames.length;
  const q = table.featureNames.length;
  const cols = model.featureNames.map((f) => have.get(f)!);
  const x = new Float32Array(n * p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) x[i * p + j] = table.values[i * q + cols[j]];
  const out = await model.session.run({ [INFERENCE_INPUT]: { data: x, dims: [n, p] } });
  const score = Float64Array.from(out[INFERENCE_OUTPUT].data);
  return model.horizonsDays?.length ? { score, survival: Float64Array.from(out[SURVIVAL_OUTPUT].data) } : { score };
}
