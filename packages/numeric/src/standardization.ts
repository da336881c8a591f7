/**
 * glmnet's standardisation (standardize = TRUE; Friedman, Hastie & Tibshirani 2010, "Regularization
 * paths for GLMs via coordinate descent", §2.1): each feature is centred by its mean m_j and scaled
 * by its population (1/n, case-weighted) standard deviation s_j, so the penalty treats every
 * feature alike.
 *
 * A constant feature is FROZEN, not refused: its scale is recorded as 0, its standardised column is
 * 0 and its coefficient is held at 0 (as glmnet does), on both scales. This is what a federated fit
 * needs: one site's constant column must not stop the pooled fit. A caller that must refuse a
 * constant feature reads `constantFeatures(s)` and refuses with its own message naming the feature
 * (`fedrad train` does, through learn's fitModel).
 *
 * A feature is constant when s_j ≤ 1e-12 · max(1, |m_j|): rounding leaves a tiny, even negative,
 * variance where the exact one is 0.
 */
export interface Standardization {
  mean: number[];
  /** 0 for a constant feature. */
  scale: number[];
}

const scaleOf = (variance: number, mean: number): number => {
  const sd = variance > 0 ? Math.sqrt(variance) : 0;
  return sd > 1e-12 * Math.max(1, Math.abs(mean)) ? sd : 0;
};

/**
 * Means and standard deviations of the columns of x (row-major n × p) with case weights w, by two
 * passes: m_j = Σ wᵢ xᵢⱼ / Σ wᵢ, s_j² = Σ wᵢ (xᵢⱼ − m_j)² / Σ wᵢ.
 */
export function columnStandardization(x: ArrayLike<number>, n: number, p: number, weight: ArrayLike<number>): Standardization {
  const mean = new Array<number>(p).fill(0);
  const sumSq = new Array<number>(p).fill(0);
  let w = 0;
  for (let i = 0; i < n; i++) w += weight[i];
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) mean[j] += weight[i] * x[i * p + j];
  for (let j = 0; j < p; j++) mean[j] /= w;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < p; j++) {
      const d = x[i * p + j] - mean[j];
      sumSq[j] += weight[i] * d * d;
    }
  return { mean, scale: sumSq.map((s, j) => scaleOf(s / w, mean[j])) };
}

/**
 * The same from pooled sums (what sites can share): m_j = Σxᵢⱼ / n, s_j² = Σxᵢⱼ² / n − m_j².
 * With `standardize` false, the identity (mean 0, scale 1).
 */
export function pooledStandardization(n: number, featureSum: ArrayLike<number>, featureSumSq: ArrayLike<number>, standardize: boolean): Standardization {
  const p = featureSum.length;
  if (!standardize) return identityStandardization(p);
  const mean = Array.from({ length: p }, (_, j) => featureSum[j] / n);
  return { mean, scale: mean.map((m, j) => scaleOf(featureSumSq[j] / n - m * m, m)) };
}

export const identityStandardization = (p: number): Standardization => ({ mean: new Array(p).fill(0), scale: new Array(p).fill(1) });

/** Indices of the frozen (constant) features. */
export const constantFeatures = (s: Standardization): number[] => s.scale.flatMap((v, j) => (v === 0 ? [j] : []));

/** x* = (x − m) / s column by column; a frozen column becomes 0. */
export function applyStandardization(x: ArrayLike<number>, n: number, p: number, s: Standardization): Float64Array {
  const out = new Float64Array(n * p);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < p; j++) out[i * p + j] = s.scale[j] === 0 ? 0 : (x[i * p + j] - s.mean[j]) / s.scale[j];
  return out;
}

/*
 * The change of variables for a GLM's coefficients, in the wire's order [intercept, β₁ … βₚ].
 * With γ the coefficients on the standardised scale,
 *   β_j = γ_j / s_j,   β_0 = γ_0 − Σ_j m_j γ_j / s_j      (β = T γ)
 * so gradients and Hessians transform as g_γ = Tᵀ g_β and H_γ = Tᵀ H_β T. A frozen feature's
 * coefficient is 0 on both scales.
 */

/** γ from β: γ_j = β_j s_j, γ_0 = β_0 + Σ_j m_j β_j. */
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
export function gradientToStandardized(g: ArrayLike<number>, s: Standardization): Float64Array {
  const p = s.mean.length;
  const out = new Float64Array(p + 1);
  out[0] = g[0];
  for (let j = 0; j < p; j++) out[j + 1] = s.scale[j] === 0 ? 0 : (g[j + 1] - s.mean[j] * g[0]) / s.scale[j];
  return out;
}

/** Tᵀ H T in O(p²), using T = diag(1, 1/s) plus the intercept row −m/s. */
export function hessianToStandardized(h: ArrayLike<number>, s: Standardization): Float64Array {
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
