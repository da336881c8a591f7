/**
 * The Cox partial likelihood through risk-set sums (Cox 1972; Therneau & Grambsch, "Modeling
 * Survival Data", 2000, §3.2–3.3). At each of K time points k (the distinct event times of a
 * stratum, or the bins of coarsened times) with d_k events:
 *   S0_k = Σ_{i at risk} e^{ηᵢ},  S1_k = Σ xᵢ e^{ηᵢ},  S2_k = Σ xᵢxᵢᵀ e^{ηᵢ}       (the risk set)
 *   E0_k, E1_k, E2_k: the same sums over the d_k events at k                        (Efron only)
 * Sums over patients add across sites, which is what lets a coordinator pool risk sets it never
 * sees the rows of. Patient i is at risk at point k when bin(i) ≥ k, where bin(i) is the point its
 * (possibly coarsened) time falls in; a time tied with an event time is at risk at it (R survival's
 * convention), and an event counts at its own bin.
 */
export type CoxTies = 'breslow' | 'efron';

export interface CoxRiskSetSums {
  /** Number of features. */
  p: number;
  /** η is taken as xᵀβ − shift in every exponential (a shift common to all the sums added together). */
  shift: number;
  riskS0: Float64Array;
  /** K × p. */
  riskS1: Float64Array;
  /** K × p × p. */
  riskS2: Float64Array;
  eventCount: Float64Array;
  /** The events' own sums, for Efron's correction; absent for Breslow. */
  eventS0?: Float64Array;
  eventS1?: Float64Array;
  eventS2?: Float64Array;
  /** Σ over the events of xᵢ (all points). */
  eventXSum: Float64Array;
}

/**
 * Risk-set sums of one stratum's rows at coefficients β. `bin[i]` is the point row i's time falls
 * in (−1: before the first point, never at risk; such a row must not be an event — the caller
 * checks). Each row's sums are added at its own bin, then accumulated from the last point back,
 * so the cost is O(n p² + K p²).
 */
export function coxRiskSetSums(
  x: ArrayLike<number>,
  p: number,
  bin: ArrayLike<number>,
  event: ArrayLike<number>,
  beta: ArrayLike<number>,
  pointCount: number,
  options: { shift?: number; withEventSums?: boolean } = {},
): CoxRiskSetSums {
  const n = bin.length;
  const K = pointCount;
  const shift = options.shift ?? 0;
  const riskS0 = new Float64Array(K);
  const riskS1 = new Float64Array(K * p);
  const riskS2 = new Float64Array(K * p * p);
  const eventCount = new Float64Array(K);
  const withEvents = options.withEventSums ?? false;
  const eventS0 = withEvents ? new Float64Array(K) : undefined;
  const eventS1 = withEvents ? new Float64Array(K * p) : undefined;
  const eventS2 = withEvents ? new Float64Array(K * p * p) : undefined;
  const eventXSum = new Float64Array(p);
  const addRow = (s0: Float64Array, s1: Float64Array, s2: Float64Array, k: number, row: number, w: number) => {
    s0[k] += w;
    for (let a = 0; a < p; a++) {
      const xa = x[row * p + a] * w;
      s1[k * p + a] += xa;
      const base = (k * p + a) * p;
      for (let b = 0; b <= a; b++) s2[base + b] += xa * x[row * p + b];
    }
  };
  for (let i = 0; i < n; i++) {
    const k = bin[i];
    if (k < 0) continue;
    let eta = -shift;
    for (let a = 0; a < p; a++) eta += x[i * p + a] * beta[a];
    const w = Math.exp(eta);
    addRow(riskS0, riskS1, riskS2, k, i, w);
    if (event[i]) {
      eventCount[k] += 1;
      for (let a = 0; a < p; a++) eventXSum[a] += x[i * p + a];
      if (eventS0) addRow(eventS0, eventS1!, eventS2!, k, i, w);
    }
  }
  // Only the lower triangles were summed; mirror them.
  const mirror = (s2: Float64Array) => {
    for (let k = 0; k < K; k++) for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) s2[(k * p + b) * p + a] = s2[(k * p + a) * p + b];
  };
  mirror(riskS2);
  if (eventS2) mirror(eventS2);
  // Risk set at k = the rows whose bin is k or later: a running sum from the last point back.
  for (let k = K - 2; k >= 0; k--) {
    riskS0[k] += riskS0[k + 1];
    for (let a = 0; a < p; a++) riskS1[k * p + a] += riskS1[(k + 1) * p + a];
    for (let c = 0; c < p * p; c++) riskS2[k * p * p + c] += riskS2[(k + 1) * p * p + c];
  }
  return { p, shift, riskS0, riskS1, riskS2, eventCount, eventS0, eventS1, eventS2, eventXSum };
}

/**
 * The negative log partial likelihood −ℓ(β), its gradient and Hessian from risk-set sums taken at
 * β. With D_l = S − c_l E at each event point (c_l = 0 for Breslow 1974; c_l = l/d_k, l = 0 … d_k − 1
 * for Efron 1977, J Am Stat Assoc 72:557, eq. 3.2; Therneau & Grambsch §3.3):
 *   −ℓ = Σ_k Σ_l [log D0_l + shift] − βᵀ Σ_events x
 *   ∇  = Σ_k Σ_l D1_l / D0_l − Σ_events x
 *   ∇² = Σ_k Σ_l [D2_l / D0_l − D1_l D1_lᵀ / D0_l²]
 * Case weights are not supported (unit weights; R's weighted Efron differs).
 */
export function coxPartialLikelihood(s: CoxRiskSetSums, beta: ArrayLike<number>, ties: CoxTies): { loss: number; gradient: Float64Array; hessian: Float64Array } {
  const { p } = s;
  const K = s.riskS0.length;
  if (ties === 'efron' && !s.eventS0) throw new TypeError('Efron ties need the events’ own sums (withEventSums)');
  let loss = 0;
  const gradient = new Float64Array(p);
  const hessian = new Float64Array(p * p);
  const d1 = new Float64Array(p);
  for (let k = 0; k < K; k++) {
    const d = s.eventCount[k];
    if (d === 0) continue;
    // Breslow: d identical terms; Efron: one per tied event, each with its own fraction c.
    const terms = ties === 'efron' ? d : 1;
    const multiplicity = ties === 'efron' ? 1 : d;
    for (let l = 0; l < terms; l++) {
      const c = ties === 'efron' ? l / d : 0;
      const d0 = s.riskS0[k] - (c ? c * s.eventS0![k] : 0);
      loss += multiplicity * (Math.log(d0) + s.shift);
      for (let a = 0; a < p; a++) {
        d1[a] = s.riskS1[k * p + a] - (c ? c * s.eventS1![k * p + a] : 0);
        gradient[a] += (multiplicity * d1[a]) / d0;
      }
      for (let a = 0; a < p; a++)
        for (let b = 0; b < p; b++) {
          const idx = (k * p + a) * p + b;
          const d2 = s.riskS2[idx] - (c ? c * s.eventS2![idx] : 0);
          hessian[a * p + b] += multiplicity * (d2 / d0 - (d1[a] * d1[b]) / (d0 * d0));
        }
    }
  }
  for (let a = 0; a < p; a++) {
    loss -= beta[a] * s.eventXSum[a];
    gradient[a] -= s.eventXSum[a];
  }
  return { loss, gradient, hessian };
}

/** Element-wise sum of risk-set sums taken on the same points with the same shift (sites' sums → pooled sums). */
export function addCoxRiskSetSums(parts: readonly CoxRiskSetSums[]): CoxRiskSetSums {
  const [first, ...rest] = parts;
  const copy = (a?: Float64Array) => (a ? Float64Array.from(a) : undefined);
  const out: CoxRiskSetSums = {
    p: first.p,
    shift: first.shift,
    riskS0: copy(first.riskS0)!,
    riskS1: copy(first.riskS1)!,
    riskS2: copy(first.riskS2)!,
    eventCount: copy(first.eventCount)!,
    eventS0: copy(first.eventS0),
    eventS1: copy(first.eventS1),
    eventS2: copy(first.eventS2),
    eventXSum: copy(first.eventXSum)!,
  };
  const keys = ['riskS0', 'riskS1', 'riskS2', 'eventCount', 'eventS0', 'eventS1', 'eventS2', 'eventXSum'] as const;
  for (const part of rest) {
    if (part.p !== out.p || part.shift !== out.shift || part.riskS0.length !== out.riskS0.length) throw new TypeError('risk-set sums must share features, points and shift to be added');
    for (const key of keys) {
      const into = out[key];
      const from = part[key];
      if (!into || !from) continue;
      for (let i = 0; i < into.length; i++) into[i] += from[i];
    }
  }
  return out;
}

/**
 * Breslow's estimator of the baseline cumulative hazard (Breslow 1972, discussion of Cox 1972;
 * Therneau & Grambsch 2000 §10.2) at each horizon, from risk-set sums at the points `pointTimes`:
 *   H0(h) = Σ_{k: t_k ≤ h} d_k / S0_k      (S0_k with the sums' shift undone)
 * the hazard at linear predictor 0 (x = 0 on the scale β applies to).
 */
export function breslowCumulativeHazard(s: CoxRiskSetSums, pointTimes: readonly number[], horizons: readonly number[]): number[] {
  return horizons.map((h) => {
    let hazard = 0;
    for (let k = 0; k < pointTimes.length && pointTimes[k] <= h; k++) if (s.eventCount[k] > 0) hazard += (s.eventCount[k] / s.riskS0[k]) * Math.exp(-s.shift);
    return hazard;
  });
}
