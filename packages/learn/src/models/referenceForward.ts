import type { TrainedModel } from './trainedModel.js';

/**
 * The package's own forward pass in plain Float64 TypeScript, independent of onnxruntime:
 * standardise, apply the layers, then the link (logistic σ for binary outcomes, identity — the
 * linear predictor — for Cox). Inputs are rounded to float32 first, as the ONNX model's
 * `features` input is float32.
 */
export function referenceScores(model: TrainedModel, x: Float64Array, n: number): Float64Array {
  const p = model.featureNames.length;
  const { mean, scale } = model.standardization;
  const param = (name: string) => model.params.find((q) => q.name === name)!;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let h = Array.from({ length: p }, (_, j) => (Math.fround(x[i * p + j]) - mean[j]) / scale[j]);
    if (model.spec.family === 'mlp') {
      const layers = model.spec.hiddenLayers.length + 1;
      for (let l = 0; l < layers; l++) {
        const W = param(`W${l}`);
        const b = param(`b${l}`);
        const [rows, cols] = W.shape;
        const next = new Array<number>(cols);
        for (let c = 0; c < cols; c++) {
          let s = b.data[c];
          for (let r = 0; r < rows; r++) s += h[r] * W.data[r * cols + c];
          next[c] = l + 1 < layers ? (model.spec.activation === 'relu' ? Math.max(0, s) : Math.tanh(s)) : s;
        }
        h = next;
      }
      out[i] = h[0];
    } else {
      const beta = param('beta').data;
      let eta = model.params.find((q) => q.name === 'intercept')?.data[0] ?? 0;
      for (let j = 0; j < p; j++) eta += h[j] * beta[j];
      out[i] = eta;
    }
    if (model.outcome === 'binary') out[i] = 1 / (1 + Math.exp(-out[i]));
  }
  return out;
}
