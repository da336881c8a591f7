import { ConstantFeatureError } from '../errors.js';

export interface Standardization {
  mean: number[];
  scale: number[];
}

/**
 * Column means and standard deviations as glmnet computes them for standardize = TRUE
 * (weighted, population form: sd² = Σ wᵢ (xᵢ − x̄)² / Σ wᵢ; Friedman et al. 2010 §2.1).
 * A constant column cannot be standardised and is refused by name (and by `source`, the file).
 */
export function standardization(x: Float64Array, n: number, p: number, weight: Float64Array, featureNames: string[], source?: string): Standardization {
  const mean = new Array<number>(p).fill(0);
  const scale = new Array<number>(p).fill(0);
  let w = 0;
  for (let i = 0; i < n; i++) w += weight[i];
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) mean[j] += weight[i] * x[i * p + j];
  for (let j = 0; j < p; j++) mean[j] /= w;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < p; j++) {
      const d = x[i * p + j] - mean[j];
      scale[j] += weight[i] * d * d;
    }
  const constant: string[] = [];
  for (let j = 0; j < p; j++) {
    scale[j] = Math.sqrt(scale[j] / w);
    if (!(scale[j] > 1e-12 * Math.max(1, Math.abs(mean[j])))) constant.push(featureNames[j]);
  }
  if (constant.length) throw new ConstantFeatureError(constant, source);
  return { mean, scale };
}

export const identityStandardization = (p: number): Standardization => ({ mean: new Array(p).fill(0), scale: new Array(p).fill(1) });

export function applyStandardization(x: Float64Array, n: number, p: number, s: Standardization): Float64Array {
  const out = new Float64Array(n * p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) out[i * p + j] = (x[i * p + j] - s.mean[j]) / s.scale[j];
  return out;
}
