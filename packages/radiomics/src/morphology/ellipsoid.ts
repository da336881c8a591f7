/**
 * Surface area of an ellipsoid with semi-axes a ≥ b ≥ c by the Legendre series of IBSI 1 (RDD2):
 *   A = 4π a b Σ_{ν=0}^{20} (αβ)^ν / (1 − 4ν²) · P_ν((α² + β²)/(2αβ)),
 *   α = √(1 − b²/a²), β = √(1 − c²/a²).
 */
export function ellipsoidSurfaceArea(a: number, b: number, c: number): number {
  const alpha = Math.sqrt(Math.max(0, 1 - (b * b) / (a * a)));
  const beta = Math.sqrt(Math.max(0, 1 - (c * c) / (a * a)));
  const ab = alpha * beta;
  // The argument (α² + β²)/(2αβ) diverges when αβ → 0, so recur on q_ν = (αβ)^ν P_ν instead,
  // which stays finite (Legendre recurrence multiplied by (αβ)^{ν+1}).
  // Recurrence on q_ν = (αβ)^ν P_ν(x): q_0 = 1, q_1 = (α² + β²)/2,
  // (ν+1) q_{ν+1} = (2ν+1) s q_ν − ν (αβ)² q_{ν−1}, s = (α² + β²)/2.
  const s = (alpha * alpha + beta * beta) / 2;
  const p2 = ab * ab;
  let qPrev = 1, q = s;
  let sum = 1 + q / (1 - 4);
  for (let nu = 1; nu < 20; nu++) {
    const qNext = ((2 * nu + 1) * s * q - nu * p2 * qPrev) / (nu + 1);
    qPrev = q;
    q = qNext;
    sum += q / (1 - 4 * (nu + 1) * (nu + 1));
  }
  return 4 * Math.PI * a * b * sum;
}
