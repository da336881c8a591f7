/**
 * Update-norm clipping (McMahan et al. 2018, "Learning differentially private recurrent
 * language models", §2): a site's delta Δ is scaled by min(1, C / ‖Δ‖₂), which bounds any single
 * site's influence on the aggregate. Idempotent: clipping an already clipped delta changes nothing.
 */
export function clipByNorm(delta: Float64Array, maxNorm: number): Float64Array {
  let sq = 0;
  for (let i = 0; i < delta.length; i++) sq += delta[i] * delta[i];
  const norm = Math.sqrt(sq);
  if (norm <= maxNorm || norm === 0) return delta;
  const scale = maxNorm / norm;
  return delta.map((v) => v * scale);
}
