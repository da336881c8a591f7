// Reads a FedRad logistic ONNX model's coefficients straight from its initializers with the
// onnx-proto decoder (no FedRad code involved) and returns them on the original feature scale.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

function tensorValues(t: InstanceType<typeof onnx.TensorProto>): number[] {
  if (t.doubleData && t.doubleData.length) return Array.from(t.doubleData as number[]);
  if (t.floatData && t.floatData.length) return Array.from(t.floatData as number[]);
  const raw = t.rawData as Uint8Array;
  const copy = new Uint8Array(raw); // aligned copy
  return t.dataType === onnx.TensorProto.DataType.DOUBLE ? Array.from(new Float64Array(copy.buffer)) : Array.from(new Float32Array(copy.buffer));
}

export function onnxInitializers(bytes: Uint8Array): Map<string, number[]> {
  const model = onnx.ModelProto.decode(bytes);
  const out = new Map<string, number[]>();
  for (const t of model.graph!.initializer ?? []) out.set(t.name!, tensorValues(t as InstanceType<typeof onnx.TensorProto>));
  for (const node of model.graph!.node ?? []) {
    if (node.opType !== 'Constant') continue;
    const value = node.attribute?.find((a) => a.name === 'value')?.t;
    if (value) out.set(node.output![0], tensorValues(value as InstanceType<typeof onnx.TensorProto>));
  }
  return out;
}

/** [intercept, β₁ … βₚ] on the raw feature scale: βⱼ = β*ⱼ / sⱼ, b = b* − Σ βⱼ mⱼ. */
export function originalScaleCoefficients(bytes: Uint8Array): number[] {
  const init = onnxInitializers(bytes);
  const find = (suffix: string) => [...init.entries()].find(([k]) => k === suffix || k.endsWith(suffix))?.[1];
  const mean = find('feature_mean');
  const scale = find('feature_scale');
  const beta = find('beta');
  const intercept = find('intercept');
  if (!mean || !scale || !beta || !intercept) throw new Error(`unexpected initializers: ${[...init.keys()].join(', ')}`);
  const b = beta.map((v, j) => v / scale[j]);
  return [intercept[0] - b.reduce((a, v, j) => a + v * mean[j], 0), ...b];
}
