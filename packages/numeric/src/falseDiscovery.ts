/**
 * Benjamini–Hochberg adjusted p-values (Benjamini & Hochberg 1995, JRSS B 57(1), step-up
 * procedure; R's p.adjust(method = "BH")): with p₍₁₎ ≤ … ≤ p₍ₘ₎,
 *   q₍ᵢ₎ = min_{k ≥ i} min(1, m p₍ₖ₎ / k).
 * A hypothesis is rejected at false-discovery rate Q when its q ≤ Q. Returned in input order.
 */
export function benjaminiHochberg(p: readonly number[]): number[] {
  const m = p.length;
  const order = [...p.keys()].sort((a, b) => p[b] - p[a]);
  const q = new Array<number>(m);
  let running = 1;
  order.forEach((i, r) => {
    const rank = m - r;
    running = Math.min(running, (m * p[i]) / rank);
    q[i] = running;
  });
  return q;
}
