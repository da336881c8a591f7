import { randomBytes } from 'node:crypto';
import { mulberry32 } from '@fedrad/numeric';
import { StrategyConfigError } from './errors.js';
import { pooledLoss, siteDeltas, type MeanUpdate } from './siteDeltas.js';
import type { RoundState, SiteResult } from './types.js';

/** Central DP of the aggregate (training.differentialPrivacy): σ, and the seed of the noise when the protocol gives one. */
export interface PrivacyOptions {
  noiseMultiplier: number;
  seed?: number;
}

/**
 * n draws of N(0, sd²). Seeded: Box–Muller (Box & Muller 1958) on numeric's mulberry32 stream
 * started at `seed`, two uniforms u1, u2 per pair, z1 = √(−2 ln(1 − u1)) cos(2π u2) and
 * z2 = √(−2 ln(1 − u1)) sin(2π u2) (1 − u1 keeps the log finite). Unseeded: the same transform
 * on uniforms from the operating system's cryptographic generator, which nobody can replay.
 */
export function gaussianNoise(n: number, sd: number, seed?: number): Float64Array {
  const uniform = seed === undefined ? cryptoUniform() : mulberry32(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - uniform()));
    const t = 2 * Math.PI * uniform();
    out[i] = sd * r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = sd * r * Math.sin(t);
  }
  return out;
}

function cryptoUniform(): () => number {
  return () => randomBytes(4).readUInt32BE(0) / 4294967296;
}

/**
 * DP-FedAvg's noised mean (McMahan et al. 2018, "Learning differentially private recurrent
 * language models", Algorithm 1 with every site taking part, w_k = 1): (Σ_k clip(Δ_k, C) +
 * N(0, (σC)² I)) / n. Each site counts once, so one site's influence on the sum is at most C and
 * the noise is calibrated to it; round r draws its noise from seed + r.
 */
export function privateMeanUpdate(state: RoundState, results: readonly SiteResult[], strategy: string, clipNorm: number | undefined, privacy: PrivacyOptions): MeanUpdate {
  if (clipNorm === undefined) {
    throw new StrategyConfigError(`Strategy ${strategy}: differential privacy needs a clip norm (training.clipNorm) to calibrate its noise to`, 'training.clipNorm');
  }
  const deltas = siteDeltas(state, results, strategy, clipNorm);
  const noise = gaussianNoise(deltas[0].delta.length, privacy.noiseMultiplier * clipNorm, privacy.seed === undefined ? undefined : (privacy.seed + state.round) >>> 0);
  const mean = new Float64Array(noise.length);
  for (let i = 0; i < mean.length; i++) {
    let sum = noise[i];
    for (const d of deltas) sum += d.delta[i];
    mean[i] = sum / deltas.length;
  }
  return { mean, sites: deltas.map((d) => d.siteId), sampleCount: deltas.reduce((n, d) => n + d.sampleCount, 0), loss: pooledLoss(deltas) };
}

/**
 * The ε of T rounds of the Gaussian mechanism with noise multiplier σ (sensitivity-1 sum, noise
 * N(0, σ²)), for δ, by Rényi DP (Mironov 2017, "Rényi differential privacy"): order-α RDP of one
 * round α / (2σ²) (Table 2), T rounds compose to T α / (2σ²) (Proposition 1), and
 * (α, ρ)-RDP gives (ρ + log(1/δ) / (α − 1), δ)-DP (Proposition 3). ε = min over α > 1, found by
 * golden-section search on s = log(α − 1), where the bound a(1 + eˢ) + b e⁻ˢ is convex.
 */
export function gaussianRdpEpsilon(noiseMultiplier: number, rounds: number, delta: number): { epsilon: number; order: number } {
  if (!(noiseMultiplier > 0) || !(rounds >= 0) || !(delta > 0 && delta < 1)) {
    throw new StrategyConfigError(`The privacy accountant needs σ > 0, rounds ≥ 0 and 0 < δ < 1 (got σ ${noiseMultiplier}, ${rounds} rounds, δ ${delta})`, 'training.differentialPrivacy');
  }
  if (rounds === 0) return { epsilon: 0, order: Infinity };
  const bound = (s: number) => {
    const alpha = 1 + Math.exp(s);
    return (rounds * alpha) / (2 * noiseMultiplier * noiseMultiplier) + Math.log(1 / delta) / (alpha - 1);
  };
  const phi = (Math.sqrt(5) - 1) / 2;
  let lo = -30;
  let hi = 30;
  let x1 = hi - phi * (hi - lo);
  let x2 = lo + phi * (hi - lo);
  let f1 = bound(x1);
  let f2 = bound(x2);
  for (let k = 0; k < 200 && hi - lo > 1e-12; k++) {
    if (f1 <= f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - phi * (hi - lo);
      f1 = bound(x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + phi * (hi - lo);
      f2 = bound(x2);
    }
  }
  const s = (lo + hi) / 2;
  return { epsilon: bound(s), order: 1 + Math.exp(s) };
}
