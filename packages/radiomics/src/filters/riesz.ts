/** Order (n_x, n_y, n_z) of a Riesz transform: the partial derivatives it takes along each axis. */
export type RieszOrder = readonly [number, number, number];

function factorial(n: number): number {
  let f = 1;
  for (let k = 2; k <= n; k++) f *= k;
  return f;
}

/**
 * Transfer function of the Riesz transform of order N (IBSI 2 manual, section 3.8; Unser & Van
 * De Ville 2010, eq. 10):
 *   R̂^N(ω) = (−i)^{|N|} · √(|N|! / (n₁! n₂! n₃!)) · Π_a (ω_a / ‖ω‖)^{n_a},  0 at ω = 0.
 */
export function rieszTransfer(order: RieszOrder): (w: readonly [number, number, number]) => readonly [number, number] {
  const total = order[0] + order[1] + order[2];
  const norm = Math.sqrt(factorial(total) / (factorial(order[0]) * factorial(order[1]) * factorial(order[2])));
  // (−i)^|N| cycles through 1, −i, −1, i
  const unit: readonly [number, number] = [[1, 0], [0, -1], [-1, 0], [0, 1]][total % 4] as [number, number];
  return (w) => {
    const rho = Math.hypot(w[0], w[1], w[2]);
    if (rho === 0) return [0, 0];
    let m = norm;
    for (let a = 0; a < 3; a++) if (order[a] > 0) m *= (w[a] / rho) ** order[a];
    return [unit[0] * m, unit[1] * m];
  };
}
