/**
 * LOWESS scatterplot smoother (Cleveland 1979, JASA 74:829–836), the algorithm of R's
 * stats::lowess: local linear fits with tricube weights over the ⌊f·n⌋ nearest points,
 * `iter` robustness steps with bisquare weights, and points closer than `delta` to the last
 * fitted one filled by linear interpolation. rms::val.prob draws its nonparametric
 * calibration curve with lowess(p, y, iter = 0).
 */
export interface LowessOptions {
  f?: number;
  iter?: number;
  /** Default 1% of the x range, as R. */
  delta?: number;
}

/** Local weighted linear fit at xs over x[nleft..nright] (and ties beyond); null if all weights vanish. */
function localFit(x: Float64Array, y: Float64Array, xs: number, nleft: number, nright: number, w: Float64Array, robustness: Float64Array | null): number | null {
  const n = x.length;
  const range = x[n - 1] - x[0];
  const h = Math.max(xs - x[nleft], x[nright] - xs);
  const h9 = 0.999 * h;
  const h1 = 0.001 * h;
  let total = 0;
  let j = nleft;
  for (; j < n; j++) {
    w[j] = 0;
    const r = Math.abs(x[j] - xs);
    if (r <= h9) {
      w[j] = r <= h1 ? 1 : (1 - (r / h) ** 3) ** 3;
      if (robustness) w[j] *= robustness[j];
      total += w[j];
    } else if (x[j] > xs) break;
  }
  const last = j - 1;
  if (total <= 0) return null;
  for (j = nleft; j <= last; j++) w[j] /= total;
  if (h > 0) {
    let a = 0;
    for (j = nleft; j <= last; j++) a += w[j] * x[j];
    let b = xs - a;
    let c = 0;
    for (j = nleft; j <= last; j++) c += w[j] * (x[j] - a) * (x[j] - a);
    if (Math.sqrt(c) > 0.001 * range) {
      b /= c;
      for (j = nleft; j <= last; j++) w[j] *= b * (x[j] - a) + 1;
    }
  }
  let fit = 0;
  for (j = nleft; j <= last; j++) fit += w[j] * y[j];
  return fit;
}

/** Returns the smoothed curve at the sorted x values (x sorted ascending, y carried along). */
export function lowess(xIn: ArrayLike<number>, yIn: ArrayLike<number>, options: LowessOptions = {}): { x: Float64Array; y: Float64Array } {
  const n = xIn.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => xIn[a] - xIn[b] || a - b);
  const x = Float64Array.from(order, (i) => xIn[i]);
  const y = Float64Array.from(order, (i) => yIn[i]);
  const f = options.f ?? 2 / 3;
  const iter = options.iter ?? 3;
  const delta = options.delta ?? 0.01 * (n > 0 ? x[n - 1] - x[0] : 0);
  const ys = new Float64Array(n);
  if (n < 2) {
    ys.set(y);
    return { x, y: ys };
  }
  const ns = Math.max(Math.min(Math.floor(f * n + 1e-7), n), 2);
  const w = new Float64Array(n);
  const residuals = new Float64Array(n);
  let robustness: Float64Array | null = null;
  for (let it = 0; it <= iter; it++) {
    let nleft = 0;
    let nright = ns - 1;
    let last = -1;
    let i = 0;
    for (;;) {
      // Slide the window right while that shrinks its radius around x[i].
      while (nright < n - 1 && x[i] - x[nleft] > x[nright + 1] - x[i]) {
        nleft++;
        nright++;
      }
      const fit = localFit(x, y, x[i], nleft, nright, w, robustness);
      ys[i] = fit ?? y[i];
      if (last < i - 1) {
        const denom = x[i] - x[last];
        for (let j = last + 1; j < i; j++) {
          const alpha = (x[j] - x[last]) / denom;
          ys[j] = alpha * ys[i] + (1 - alpha) * ys[last];
        }
      }
      last = i;
      const cut = x[last] + delta;
      for (i = last + 1; i < n; i++) {
        if (x[i] > cut) break;
        if (x[i] === x[last]) {
          ys[i] = ys[last];
          last = i;
        }
      }
      i = Math.max(last + 1, i - 1);
      if (last >= n - 1) break;
    }
    if (it === iter) break;
    // Bisquare robustness weights from residuals, scaled by 6 × median |residual|.
    for (let k = 0; k < n; k++) residuals[k] = Math.abs(y[k] - ys[k]);
    const sorted = Float64Array.from(residuals).sort();
    const m1 = Math.floor(n / 2);
    const cmad = n % 2 === 0 ? 3 * (sorted[m1 - 1] + sorted[m1]) : 6 * sorted[m1];
    let meanResidual = 0;
    for (let k = 0; k < n; k++) meanResidual += residuals[k];
    meanResidual /= n;
    if (cmad < 1e-7 * meanResidual) break;
    const c9 = 0.999 * cmad;
    const c1 = 0.001 * cmad;
    robustness = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const r = residuals[k];
      robustness[k] = r <= c1 ? 1 : r <= c9 ? (1 - (r / cmad) ** 2) ** 2 : 0;
    }
  }
  return { x, y: ys };
}
