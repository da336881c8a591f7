import { maxAbs } from '@fedrad/numeric';

/**
 * Step halving, as R's glm.fit and coxph do it: from θ try the full step `target`, then
 * θ + t (target − θ) for t = ½, ¼, … (at most 40 halvings) until the objective does not increase.
 * Returns the accepted point (θ itself when no trial decreased the objective), its objective, and
 * the relative change max_k |Δθ_k| / (1 + |θ_k|) of the last trial, the optimisers' convergence measure.
 */
export async function halvingStep(
  theta: Float64Array,
  target: Float64Array,
  value: number,
  objective: (point: Float64Array) => Promise<number>,
): Promise<{ theta: Float64Array; value: number; change: number }> {
  let t = 1;
  let next = target;
  let nextValue = await objective(next);
  for (let halving = 0; !(nextValue <= value) && halving < 40; halving++) {
    t /= 2;
    next = theta.map((x, k) => x + t * (target[k] - x));
    nextValue = await objective(next);
  }
  const change = maxAbs(next.map((x, k) => (x - theta[k]) / (1 + Math.abs(theta[k]))));
  return nextValue <= value ? { theta: next, value: nextValue, change } : { theta, value, change };
}
