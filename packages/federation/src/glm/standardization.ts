/**
 * The change of variables glmnet makes when standardize = TRUE (Friedman, Hastie & Tibshirani
 * 2010, "Regularization paths for GLMs via coordinate descent", §2.1 and the glmnet docs): each
 * feature is centred by its pooled mean m_j and scaled by its pooled 1/n standard deviation s_j.
 * With γ the coefficients on the standardised scale,
 *   β_j = γ_j / s_j,   β_0 = γ_0 − Σ_j m_j γ_j / s_j      (β = T γ)
 * so gradients and Hessians transform as g_γ = Tᵀ g_β and H_γ = Tᵀ H_β T.
 */
export interface Standardization {
  mean: Float64Array;
  /** 0 for a constant feature: its coefficient is held at 0, as glmnet does. */
  scale: Float64Array;
}

export function pooledStandardization(n: number, featureSum: Float64Array, featureSumSq: Float64Array, standardize: boolean): Standardization {
  const p = featureSum.length;
  const mean = new Float64Array(p);
  const scale = new Float64Array(p).fill(1);
  if (!standardize) return { mean, scale };
  for (let j = 0; j < p; j++) {
    mean[j] = featureSum[j] / n;
    const variance = featureSumSq[j] / n - mean[j] * mean[j];
    // Rounding can leave a tiny negative variance for a constant feature.
    scale[j] = variance > 1e-24 * Math.max(1, mean[j] * mean[j]) ? Math.sqrt(variance) : 0;
  }
  return { mean, scale };
}

/** γ from β. */
export function toStandardized(beta: ArrayLike<number>, s: Standardization): Float64Array {
  const p = s.mean.length;
  const gamma = new Float64Array(p + 1);
  gamma[0] = beta[0];
  for (let j = 0; j < p; j++) {
    gamma[0] += s.mean[j] * beta[j + 1];
    gamma[j + 1] = s.scale[j] === 0 ? 0 : beta[j + 1] * s.scale[j];
  }
  return gamma;
}

/** β from γ. */
export function toOriginal(gamma: ArrayLike<number>, s: Standardization): Float64Array {
  const p = s.mean.length;
  const beta = new Float64Array(p + 1);
  beta[0] = gamma[0];
  for (let j = 0; j < p; j++) {
    if (s.scale[j] === 0) continue;
    beta[j + 1] = gamma[j + 1] / s.scale[j];
    beta[0] -= (s.mean[j] * gamma[j + 1]) / s.scale[j];
  }
  return beta;
}

/** Tᵀ g. */
export function gradientToStandardized(g: Float64Array, s: Standardization): Float64Array {
  const p = s.mean.length;
  const out = new Float64Array(p + 1);
  out[0] = g[0];
  for (let j = 0; j < p; j++) out[j + 1] = s.scale[j] === 0 ? 0 : (g[j + 1] - s.mean[j] * g[0]) / s.scale[j];
  return out;
}

/** Tᵀ H T in O(p²), using T = diag(1, 1/s) plus the intercept row −m/s. */
export function hessianToStandardized(h: Float64Array, s: Standardization): Float64Array {
  const p1 = s.mean.length + 1;
  const t = (j: number) => (s.scale[j - 1] === 0 ? 0 : 1 / s.scale[j - 1]);
  const shift = (j: number) => (s.scale[j - 1] === 0 ? 0 : s.mean[j - 1] / s.scale[j - 1]);
  // HT: column j≥1 = H[:,j]/s_j − (m_j/s_j) H[:,0]
  const ht = new Float64Array(p1 * p1);
  for (let i = 0; i < p1; i++) {
    const h0 = h[i * p1];
    ht[i * p1] = h0;
    for (let j = 1; j < p1; j++) ht[i * p1 + j] = h[i * p1 + j] * t(j) - shift(j) * h0;
  }
  // Tᵀ(HT): row j≥1 = (HT)[j,:]/s_j − (m_j/s_j) (HT)[0,:]
  const out = new Float64Array(p1 * p1);
  for (let k = 0; k < p1; k++) out[k] = ht[k];
  for (let j = 1; j < p1; j++) {
    const tj = t(j);
    const sj = shift(j);
    for (let k = 0; k < p1; k++) out[j * p1 + k] = ht[j * p1 + k] * tj - sj * ht[k];
  }
  return out;
}
