import { censoringSurvival } from './censoringSurvival.js';

/**
 * The Brier score at a horizon t with inverse-probability-of-censoring weights (Graf, Schmoor,
 * Sauerbrei & Schumacher 1999, Stat Med 18:2529, eq. 6; Gerds & Schumacher 2006):
 *   BS(t) = (1/n) Σ_i [ Ŝ(t|xᵢ)² 1(Tᵢ ≤ t, δᵢ = 1) / Ĝ(Tᵢ−) + (1 − Ŝ(t|xᵢ))² 1(Tᵢ > t) / Ĝ(t) ]
 * patients censored before t contribute 0 (their weight goes to the others through Ĝ).
 */
export function ipcwBrierScore(time: Float64Array, event: Uint8Array, survivalAtHorizon: Float64Array, horizon: number, rowWeight?: ArrayLike<number>): number {
  const n = time.length;
  const gBefore = censoringSurvival(time, event, time, true, rowWeight);
  const gAtHorizon = censoringSurvival(time, event, [horizon], false, rowWeight)[0];
  let sum = 0;
  let weight = 0;
  for (let i = 0; i < n; i++) {
    const w = rowWeight ? rowWeight[i] : 1;
    weight += w;
    if (time[i] <= horizon && event[i]) sum += (w * survivalAtHorizon[i] ** 2) / gBefore[i];
    else if (time[i] > horizon) sum += (w * (1 - survivalAtHorizon[i]) ** 2) / gAtHorizon;
  }
  return sum / weight;
}
