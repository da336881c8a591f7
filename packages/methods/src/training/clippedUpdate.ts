import { clipByNorm } from '@fedrad/federation';

/** θ_global + the update θ − θ_global clipped by federation's clipByNorm (the rule the coordinator applies again). */
export function clippedFrom(global: readonly number[], local: readonly number[], clipNorm: number): number[] {
  const delta = Float64Array.from(local, (v, k) => v - global[k]);
  const clipped = clipByNorm(delta, clipNorm);
  // Within the norm clipByNorm hands the delta back: keep the trained values as they are.
  return clipped === delta ? [...local] : local.map((_, k) => global[k] + clipped[k]);
}
