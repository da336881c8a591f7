/**
 * Image and mask interpolation (IBSI 1 §2.4, VTM2) with the IBSI grid: size ⌈n_a s_a / s_b⌉
 * (026Q) and grid centres aligned (3WE3, QCY4): in original grid coordinates the new points are
 * x_b,g + k·s_b/s_a with x_b,g = ½(n_a − 1 − (s_b/s_a)(n_b − 1)). Beyond the original grid the
 * image is padded with its boundary values. 3D interpolation is separable on aligned grids, so
 * each axis is resampled in turn.
 */

export type InterpolationMethod = 'nearest' | 'linear' | 'cubic';

/** The new points along one axis, in original grid coordinates. */
export interface ResampledAxis {
  /** Number of new points over the whole image (⌈n_a s_a / s_b⌉). */
  n: number;
  /** Position of new point 0 in original grid coordinates. */
  start: number;
  /** s_b / s_a. */
  step: number;
  spacing: number;
}

export function resampledAxis(nOld: number, spacingOld: number, spacingNew: number): ResampledAxis {
  // Tolerance: 60 · 3 / 2 must give 90, not 91, despite floating point.
  const n = Math.max(1, Math.ceil((nOld * spacingOld) / spacingNew - 1e-9));
  const step = spacingNew / spacingOld;
  return { n, start: 0.5 * (nOld - 1 - step * (n - 1)), step, spacing: spacingNew };
}

const CUBIC_POLE = Math.sqrt(3) - 2;

/** Cubic B-spline coefficients of a line (Unser 1999 recursive prefilter, mirror boundaries). */
function bsplineCoefficients(line: Float64Array): Float64Array {
  const n = line.length;
  const c = Float64Array.from(line, (v) => v * 6);
  if (n === 1) return Float64Array.of(line[0]);
  const z = CUBIC_POLE;
  const horizon = Math.min(n, Math.ceil(Math.log(1e-12) / Math.log(Math.abs(z))));
  let sum = 0, zk = 1;
  for (let k = 0; k < horizon; k++) { sum += zk * c[k]; zk *= z; }
  c[0] = sum;
  for (let k = 1; k < n; k++) c[k] += z * c[k - 1];
  c[n - 1] = (z / (z * z - 1)) * (c[n - 1] + z * c[n - 2]);
  for (let k = n - 2; k >= 0; k--) c[k] = z * (c[k + 1] - c[k]);
  return c;
}

function bspline3(t: number): number {
  const a = Math.abs(t);
  if (a < 1) return 2 / 3 - a * a + (a * a * a) / 2;
  if (a < 2) return (2 - a) ** 3 / 6;
  return 0;
}

// Edge padding: long enough that the cubic prefilter (pole √3 − 2, |z|¹² ≈ 1e-7) behaves as on an
// infinitely edge-padded line, i.e. nearest-value extrapolation.
const PAD = 12;

/**
 * Resamples one axis of a volume. `positions` are the wanted coordinates along that axis in the
 * input's own grid coordinates; values outside [0, n−1] take the boundary value (nearest padding).
 */
export function resampleAxis(
  data: Float64Array,
  dims: readonly [number, number, number],
  axis: 0 | 1 | 2,
  positions: Float64Array,
  method: InterpolationMethod,
): { data: Float64Array; dims: [number, number, number] } {
  const n = dims[axis];
  const m = positions.length;
  const outDims: [number, number, number] = [dims[0], dims[1], dims[2]];
  outDims[axis] = m;
  const out = new Float64Array(outDims[0] * outDims[1] * outDims[2]);
  const strideIn = axis === 0 ? 1 : axis === 1 ? dims[0] : dims[0] * dims[1];
  const strideOut = axis === 0 ? 1 : axis === 1 ? outDims[0] : outDims[0] * outDims[1];
  // Lines are indexed by the other two coordinates.
  const [ua, ub] = axis === 0 ? [1, 2] : axis === 1 ? [0, 2] : [0, 1];
  const strideA = (d: readonly number[]): number => (ua === 0 ? 1 : ua === 1 ? d[0] : d[0] * d[1]);
  const strideB = (d: readonly number[]): number => (ub === 1 ? d[0] : d[0] * d[1]);
  const sAin = strideA(dims), sBin = strideB(dims), sAout = strideA(outDims), sBout = strideB(outDims);
  const line = new Float64Array(n + 2 * PAD);
  for (let b = 0; b < dims[ub]; b++) {
    for (let a = 0; a < dims[ua]; a++) {
      const inBase = a * sAin + b * sBin;
      const outBase = a * sAout + b * sBout;
      for (let i = 0; i < n + 2 * PAD; i++) {
        const src = Math.min(n - 1, Math.max(0, i - PAD));
        line[i] = data[inBase + src * strideIn];
      }
      const coeffs = method === 'cubic' ? bsplineCoefficients(line) : line;
      for (let j = 0; j < m; j++) {
        const x = Math.min(n - 1 + PAD - 2, Math.max(-PAD + 2, positions[j])) + PAD;
        let v: number;
        if (method === 'nearest') {
          v = line[Math.round(Math.min(n - 1, Math.max(0, positions[j]))) + PAD];
        } else if (method === 'linear') {
          const i0 = Math.floor(x), t = x - i0;
          v = t === 0 ? line[i0] : (1 - t) * line[i0] + t * line[i0 + 1];
        } else {
          const i0 = Math.floor(x);
          v = 0;
          for (let k = i0 - 1; k <= i0 + 2; k++) v += coeffs[k] * bspline3(x - k);
        }
        out[outBase + j * strideOut] = v;
      }
    }
  }
  return { data: out, dims: outDims };
}
