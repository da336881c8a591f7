/**
 * Maximum-likelihood logistic regression of y on (1, x) — or on 1 with x as an offset —
 * by Newton–Raphson (IRLS), enough for the recalibration models of calibration analysis
 * (Cox 1958; Steyerberg, Clinical Prediction Models, ch. 15). Standard errors are from the
 * inverse Fisher information, as R's glm/confint.default report them.
 */
export interface LogisticFit {
  intercept: number;
  slope: number;
  interceptSe: number;
  slopeSe: number;
  iterations: number;
  converged: boolean;
}

function expit(eta: number): number {
  return eta >= 0 ? 1 / (1 + Math.exp(-eta)) : Math.exp(eta) / (1 + Math.exp(eta));
}

/** Score vector (g₀, g₁) and Fisher information [[h₀₀, h₀₁], [h₀₁, h₁₁]] of y ~ a + b·x at (a, b). */
function scoreAndInformation(x: Float64Array, y: Uint8Array, a: number, b: number) {
  let g0 = 0;
  let g1 = 0;
  let h00 = 0;
  let h01 = 0;
  let h11 = 0;
  for (let i = 0; i < x.length; i++) {
    const p = expit(a + b * x[i]);
    const w = p * (1 - p);
    const r = y[i] - p;
    g0 += r;
    g1 += r * x[i];
    h00 += w;
    h01 += w * x[i];
    h11 += w * x[i] * x[i];
  }
  return { g0, g1, h00, h01, h11 };
}

/** y ~ a + b·x (offset false) or y ~ a + offset(x) (offset true: slope fixed at 1). */
export function fitLogistic(x: Float64Array, y: Uint8Array, offset = false, maxIter = 50): LogisticFit {
  let a = 0;
  let b = offset ? 1 : 0;
  let converged = false;
  let iter = 0;
  for (; iter < maxIter; iter++) {
    const { g0, g1, h00, h01, h11 } = scoreAndInformation(x, y, a, b);
    let da: number;
    let db = 0;
    if (offset) {
      da = g0 / h00;
    } else {
      const det = h00 * h11 - h01 * h01;
      da = (h11 * g0 - h01 * g1) / det;
      db = (h00 * g1 - h01 * g0) / det;
    }
    a += da;
    b += db;
    if (Math.abs(da) < 1e-12 * (1 + Math.abs(a)) && Math.abs(db) < 1e-12 * (1 + Math.abs(b))) {
      converged = true;
      iter++;
      break;
    }
  }
  // Standard errors from the information at the solution.
  const { h00, h01, h11 } = scoreAndInformation(x, y, a, b);
  if (offset) return { intercept: a, slope: 1, interceptSe: Math.sqrt(1 / h00), slopeSe: NaN, iterations: iter, converged };
  const det = h00 * h11 - h01 * h01;
  return { intercept: a, slope: b, interceptSe: Math.sqrt(h11 / det), slopeSe: Math.sqrt(h00 / det), iterations: iter, converged };
}
