/**
 * A "nice" reporting time grid (steps of 1, 2 or 5 × 10^k) covering follow-up up to `maxTime`,
 * about `target` points: the Kaplan–Meier curves are reported at these round times, never at
 * a patient's own event or censoring time.
 */
export function niceTimeGrid(maxTime: number, target = 10): number[] {
  if (!(maxTime > 0)) return [];
  const raw = maxTime / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const out: number[] = [];
  for (let k = 1; k * step <= maxTime + 1e-12; k++) out.push(Number((k * step).toPrecision(12)));
  return out;
}
