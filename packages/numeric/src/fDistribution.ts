import { betaIncomplete, logGamma } from './distributions.js';

/**
 * The F distribution with (possibly fractional) degrees of freedom d1, d2, through the
 * regularized incomplete beta (A&S 26.6.2: P(F ≤ f) = I_x(d1/2, d2/2), x = d1·f/(d1·f + d2)).
 * ICC confidence limits need its quantiles (McGraw & Wong 1996, Table 7), with a fractional
 * df for ICC(2,1).
 */

/** P(F > f), computed from the upper tail directly (I_{d2/(d2+d1 f)}(d2/2, d1/2)) so a small p keeps its digits. */
export function fSurvival(f: number, d1: number, d2: number): number {
  if (Number.isNaN(f)) return NaN;
  if (f <= 0) return 1;
  if (f === Infinity) return 0;
  return betaIncomplete(d2 / (d2 + d1 * f), d2 / 2, d1 / 2);
}

/** P(F ≤ f). */
export function fCdf(f: number, d1: number, d2: number): number {
  if (Number.isNaN(f)) return NaN;
  if (f <= 0) return 0;
  if (f === Infinity) return 1;
  return betaIncomplete((d1 * f) / (d1 * f + d2), d1 / 2, d2 / 2);
}

/**
 * The p-quantile of F(d1, d2): f = d2·x / (d1·(1 − x)) with x the beta quantile I⁻¹_p(d1/2, d2/2).
 * Above the median of the beta the complement y = 1 − x is solved instead (I_y(d2/2, d1/2) = 1 − p,
 * A&S 26.5.2), so that a quantile far in the upper tail keeps its digits.
 */
export function fQuantile(p: number, d1: number, d2: number): number {
  if (!(p >= 0 && p <= 1) || !(d1 > 0) || !(d2 > 0)) return NaN;
  if (p === 0) return 0;
  if (p === 1) return Infinity;
  const a = d1 / 2;
  const b = d2 / 2;
  if (p <= betaIncomplete(0.5, a, b)) {
    const x = betaQuantile(p, a, b);
    return (d2 * x) / (d1 * (1 - x));
  }
  const y = betaQuantile(1 - p, b, a);
  return (d2 * (1 - y)) / (d1 * y);
}

/**
 * x with I_x(a, b) = p for x ≤ ½: Newton steps on I_x − p safeguarded by bisection (the bracket
 * shrinks every step, so it always converges).
 */
function betaQuantile(p: number, a: number, b: number): number {
  const logBeta = logGamma(a) + logGamma(b) - logGamma(a + b);
  let lo = 0;
  let hi = 0.5;
  let x = Math.min(0.25, a / (a + b));
  for (let i = 0; i < 300; i++) {
    const err = betaIncomplete(x, a, b) - p;
    if (err === 0) return x;
    if (err < 0) lo = x;
    else hi = x;
    // The beta density at x (A&S 26.5.1 differentiated).
    const density = Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log(1 - x) - logBeta);
    let next = x - err / density;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - x) <= 1e-15 * x) return next;
    x = next;
  }
  return x;
}
