/**
 * Complex FFT for lengths whose prime factors are 2, 3 and 5 (Stockham autosort, decimation in
 * frequency, natural-order output). Used to evaluate all-pairs distance-weighted sums exactly
 * (Moran's I, Geary's C) through the convolution theorem. fft.js, the usual npm choice, handles
 * powers of two only, which would inflate 3D grids up to ~2³ times.
 */

const plans = new Map<number, FftPlan>();

interface FftPlan {
  n: number;
  radices: number[];
  cos: Float64Array;
  sin: Float64Array;
  bufRe: Float64Array;
  bufIm: Float64Array;
}

/** Smallest length ≥ n with no prime factor above 5. */
export function fastLength(n: number): number {
  for (let m = Math.max(1, n); ; m++) {
    let r = m;
    for (const p of [2, 3, 5]) while (r % p === 0) r /= p;
    if (r === 1) return m;
  }
}

function planFor(n: number): FftPlan {
  let plan = plans.get(n);
  if (plan) return plan;
  const radices: number[] = [];
  let r = n;
  while (r % 4 === 0) { radices.push(4); r /= 4; }
  while (r % 2 === 0) { radices.push(2); r /= 2; }
  while (r % 3 === 0) { radices.push(3); r /= 3; }
  while (r % 5 === 0) { radices.push(5); r /= 5; }
  if (r !== 1) throw new RangeError(`FFT length ${n} has a prime factor above 5`);
  const cos = new Float64Array(n), sin = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / n);
    sin[k] = -Math.sin((2 * Math.PI * k) / n);
  }
  plan = { n, radices, cos, sin, bufRe: new Float64Array(n), bufIm: new Float64Array(n) };
  plans.set(n, plan);
  return plan;
}

const C3 = -0.5, S3 = -Math.sqrt(3) / 2;
const C51 = Math.cos((2 * Math.PI) / 5), C52 = Math.cos((4 * Math.PI) / 5);
const S51 = -Math.sin((2 * Math.PI) / 5), S52 = -Math.sin((4 * Math.PI) / 5);

/** In-place forward DFT X_k = Σ x_j e^{-2πi jk/n} of (re, im), length n. */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  if (n <= 1) return;
  const plan = planFor(n);
  fftBatch(re, im, 0, n, 1, plan.bufRe, plan.bufIm);
}

function stage4(xr: Float64Array, xi: Float64Array, xo: number, yr: Float64Array, yi: Float64Array, yo: number, m: number, s: number, B: number, tw: number, n: number, cos: Float64Array, sin: Float64Array): void {
  const sm = s * m * B, so = s * B;
  for (let p = 0; p < m; p++) {
    const w1 = (1 * p * tw) % n, w1r = cos[w1], w1i = sin[w1];
    const w2 = (2 * p * tw) % n, w2r = cos[w2], w2i = sin[w2];
    const w3 = (3 * p * tw) % n, w3r = cos[w3], w3i = sin[w3];
    for (let q = 0; q < s; q++) {
      const i0 = xo + (q + s * p) * B;
      const o0 = yo + (q + s * 4 * p) * B;
      for (let b = 0; b < B; b++) {
        const ia = i0 + b, oa = o0 + b;
        const ar = xr[ia], ai = xi[ia];
        const br = xr[ia + sm], bi = xi[ia + sm];
        const cr = xr[ia + 2 * sm], ci = xi[ia + 2 * sm];
        const dr = xr[ia + 3 * sm], di = xi[ia + 3 * sm];
        const t0r = ar + cr, t0i = ai + ci, t1r = ar - cr, t1i = ai - ci;
        const t2r = br + dr, t2i = bi + di, t3r = br - dr, t3i = bi - di;
        yr[oa] = t0r + t2r; yi[oa] = t0i + t2i;
        let u = t1r + t3i, v = t1i - t3r;
        yr[oa + so] = u * w1r - v * w1i; yi[oa + so] = u * w1i + v * w1r;
        u = t0r - t2r; v = t0i - t2i;
        yr[oa + 2 * so] = u * w2r - v * w2i; yi[oa + 2 * so] = u * w2i + v * w2r;
        u = t1r - t3i; v = t1i + t3r;
        yr[oa + 3 * so] = u * w3r - v * w3i; yi[oa + 3 * so] = u * w3i + v * w3r;
      }
    }
  }
}

function stage2(xr: Float64Array, xi: Float64Array, xo: number, yr: Float64Array, yi: Float64Array, yo: number, m: number, s: number, B: number, tw: number, n: number, cos: Float64Array, sin: Float64Array): void {
  const sm = s * m * B, so = s * B;
  for (let p = 0; p < m; p++) {
    const w1 = (1 * p * tw) % n, w1r = cos[w1], w1i = sin[w1];
    for (let q = 0; q < s; q++) {
      const i0 = xo + (q + s * p) * B;
      const o0 = yo + (q + s * 2 * p) * B;
      for (let b = 0; b < B; b++) {
        const ia = i0 + b, oa = o0 + b;
        const ar = xr[ia], ai = xi[ia], br = xr[ia + sm], bi = xi[ia + sm];
        yr[oa] = ar + br; yi[oa] = ai + bi;
        const dr = ar - br, di = ai - bi;
        yr[oa + so] = dr * w1r - di * w1i; yi[oa + so] = dr * w1i + di * w1r;
      }
    }
  }
}

function stage3(xr: Float64Array, xi: Float64Array, xo: number, yr: Float64Array, yi: Float64Array, yo: number, m: number, s: number, B: number, tw: number, n: number, cos: Float64Array, sin: Float64Array): void {
  const sm = s * m * B, so = s * B;
  for (let p = 0; p < m; p++) {
    const w1 = (1 * p * tw) % n, w1r = cos[w1], w1i = sin[w1];
    const w2 = (2 * p * tw) % n, w2r = cos[w2], w2i = sin[w2];
    for (let q = 0; q < s; q++) {
      const i0 = xo + (q + s * p) * B;
      const o0 = yo + (q + s * 3 * p) * B;
      for (let b = 0; b < B; b++) {
        const ia = i0 + b, oa = o0 + b;
        const ar = xr[ia], ai = xi[ia];
        const br = xr[ia + sm], bi = xi[ia + sm];
        const cr = xr[ia + 2 * sm], ci = xi[ia + 2 * sm];
        const sr = br + cr, si = bi + ci, dr = br - cr, di = bi - ci;
        yr[oa] = ar + sr; yi[oa] = ai + si;
        const mr = ar + C3 * sr, mi = ai + C3 * si;
        let u = mr - S3 * di, v = mi + S3 * dr;
        yr[oa + so] = u * w1r - v * w1i; yi[oa + so] = u * w1i + v * w1r;
        u = mr + S3 * di; v = mi - S3 * dr;
        yr[oa + 2 * so] = u * w2r - v * w2i; yi[oa + 2 * so] = u * w2i + v * w2r;
      }
    }
  }
}

function stage5(xr: Float64Array, xi: Float64Array, xo: number, yr: Float64Array, yi: Float64Array, yo: number, m: number, s: number, B: number, tw: number, n: number, cos: Float64Array, sin: Float64Array): void {
  const sm = s * m * B, so = s * B;
  for (let p = 0; p < m; p++) {
    const w1 = (1 * p * tw) % n, w1r = cos[w1], w1i = sin[w1];
    const w2 = (2 * p * tw) % n, w2r = cos[w2], w2i = sin[w2];
    const w3 = (3 * p * tw) % n, w3r = cos[w3], w3i = sin[w3];
    const w4 = (4 * p * tw) % n, w4r = cos[w4], w4i = sin[w4];
    for (let q = 0; q < s; q++) {
      const i0 = xo + (q + s * p) * B;
      const o0 = yo + (q + s * 5 * p) * B;
      for (let b = 0; b < B; b++) {
        const ia = i0 + b, oa = o0 + b;
        const ar = xr[ia], ai = xi[ia];
        const br = xr[ia + sm], bi = xi[ia + sm];
        const cr = xr[ia + 2 * sm], ci = xi[ia + 2 * sm];
        const dr = xr[ia + 3 * sm], di = xi[ia + 3 * sm];
        const er = xr[ia + 4 * sm], ei = xi[ia + 4 * sm];
        const s1r = br + er, s1i = bi + ei, d1r = br - er, d1i = bi - ei;
        const s2r = cr + dr, s2i = ci + di, d2r = cr - dr, d2i = ci - di;
        yr[oa] = ar + s1r + s2r; yi[oa] = ai + s1i + s2i;
        const m1r = ar + C51 * s1r + C52 * s2r, m1i = ai + C51 * s1i + C52 * s2i;
        const m2r = ar + C52 * s1r + C51 * s2r, m2i = ai + C52 * s1i + C51 * s2i;
        const n1r = -(S51 * d1i + S52 * d2i), n1i = S51 * d1r + S52 * d2r;
        const n2r = -(S52 * d1i - S51 * d2i), n2i = S52 * d1r - S51 * d2r;
        let u = m1r + n1r, v = m1i + n1i;
        yr[oa + so] = u * w1r - v * w1i; yi[oa + so] = u * w1i + v * w1r;
        u = m2r + n2r; v = m2i + n2i;
        yr[oa + 2 * so] = u * w2r - v * w2i; yi[oa + 2 * so] = u * w2i + v * w2r;
        u = m2r - n2r; v = m2i - n2i;
        yr[oa + 3 * so] = u * w3r - v * w3i; yi[oa + 3 * so] = u * w3i + v * w3r;
        u = m1r - n1r; v = m1i - n1i;
        yr[oa + 4 * so] = u * w4r - v * w4i; yi[oa + 4 * so] = u * w4i + v * w4r;
      }
    }
  }
}

/**
 * In-place forward DFT of `batch` interleaved lines at once: element i of line b sits at
 * offset + i·batch + b. Each butterfly then sweeps `batch` contiguous values with one twiddle,
 * which is how the y and z passes of a 3D FFT avoid gathering strided lines. One function per
 * radix keeps each hot loop monomorphic for the JIT (a shared loop deoptimises on every new radix).
 */
export function fftBatch(re: Float64Array, im: Float64Array, offset: number, n: number, batch: number, scratchRe: Float64Array, scratchIm: Float64Array): void {
  if (n <= 1) return;
  const plan = planFor(n);
  let xr = re, xi = im, xo = offset;
  let yr = scratchRe, yi = scratchIm, yo = 0;
  let len = n, s = 1;
  for (const radix of plan.radices) {
    const m = len / radix;
    const tw = n / len;
    if (radix === 4) stage4(xr, xi, xo, yr, yi, yo, m, s, batch, tw, n, plan.cos, plan.sin);
    else if (radix === 2) stage2(xr, xi, xo, yr, yi, yo, m, s, batch, tw, n, plan.cos, plan.sin);
    else if (radix === 3) stage3(xr, xi, xo, yr, yi, yo, m, s, batch, tw, n, plan.cos, plan.sin);
    else stage5(xr, xi, xo, yr, yi, yo, m, s, batch, tw, n, plan.cos, plan.sin);
    const tr = xr, ti = xi, to = xo;
    xr = yr; xi = yi; xo = yo;
    yr = tr; yi = ti; yo = to;
    len = m;
    s *= radix;
  }
  if (xr !== re) {
    re.set(xr.subarray(xo, xo + n * batch), offset);
    im.set(xi.subarray(xo, xo + n * batch), offset);
  }
}

/**
 * In-place 3D forward FFT of a complex grid (x fastest), dims [lx, ly, lz]. When the input is
 * zero outside the corner box `support` (as a zero-padded signal is), lines that are all zero
 * stay zero and are skipped: the x pass runs over support rows only, the y pass over support slices.
 */
export function fft3d(
  re: Float64Array,
  im: Float64Array,
  dims: readonly [number, number, number],
  support: readonly [number, number, number] = dims,
  scratch: [Float64Array, Float64Array] = [new Float64Array(re.length), new Float64Array(re.length)],
): void {
  const [lx, ly, lz] = dims;
  const [, sy, sz] = support;
  const lxy = lx * ly;
  const [scratchRe, scratchIm] = scratch;
  for (let z = 0; z < sz; z++) {
    for (let y = 0; y < sy; y++) {
      const start = lx * (y + ly * z);
      fft(re.subarray(start, start + lx), im.subarray(start, start + lx));
    }
  }
  // y pass: per slice, the lx columns as one batch; z pass: the lx·ly pillars as one batch.
  for (let z = 0; z < sz; z++) fftBatch(re, im, z * lxy, ly, lx, scratchRe, scratchIm);
  fftBatch(re, im, 0, lz, lxy, scratchRe, scratchIm);
}
