import { extendIndex, type BoundaryCondition, type FilterGrid } from './grid.js';

/**
 * A 1-D kernel sampled on the voxel grid: weights[m] sits at offset m − origin from the voxel
 * it is centred on. Convolution: out[i] = Σ_m weights[m] · in[i − (m − origin)] (IBSI 2 manual,
 * section 2.1, eq. for discrete convolution), the image extended past its edges by the boundary
 * condition.
 */
export interface Kernel1D {
  weights: Float64Array;
  origin: number;
}

export function centredKernel(weights: ArrayLike<number>): Kernel1D {
  return { weights: Float64Array.from(weights), origin: (weights.length - 1) / 2 };
}

/** The kernel mirrored about its origin, h(−x): what a rotation that flips an axis does to it. */
export function reverseKernel(k: Kernel1D): Kernel1D {
  const n = k.weights.length;
  const weights = new Float64Array(n);
  for (let m = 0; m < n; m++) weights[m] = k.weights[n - 1 - m];
  return { weights, origin: n - 1 - k.origin };
}

/** The kernel with (factor − 1) zeros between its taps: the à trous upsampling of a wavelet filter. */
export function dilateKernel(k: Kernel1D, factor: number): Kernel1D {
  if (factor === 1) return k;
  const n = k.weights.length;
  const weights = new Float64Array((n - 1) * factor + 1);
  for (let m = 0; m < n; m++) weights[m * factor] = k.weights[m];
  return { weights, origin: k.origin * factor };
}

/** Convolves every line of the grid along `axis` with a 1-D kernel (one pass of a separable filter). */
export function convolveAxis(grid: FilterGrid, axis: number, kernel: Kernel1D, mode: BoundaryCondition): Float64Array {
  const [nx, ny, nz] = grid.dims;
  const n = grid.dims[axis];
  const stride = axis === 0 ? 1 : axis === 1 ? nx : nx * ny;
  const w = kernel.weights;
  const len = w.length;
  if (!Number.isInteger(kernel.origin)) throw new RangeError('a kernel origin must fall on a voxel');
  const padLeft = len - 1 - kernel.origin;
  const buf = new Float64Array(n + len - 1);
  const src = grid.data;
  const out = new Float64Array(src.length);
  const lineStarts: number[] = [];
  if (axis === 0) for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) lineStarts.push(nx * (y + ny * z));
  else if (axis === 1) for (let z = 0; z < nz; z++) for (let x = 0; x < nx; x++) lineStarts.push(x + nx * ny * z);
  else for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) lineStarts.push(x + nx * y);
  for (const start of lineStarts) {
    for (let p = 0; p < buf.length; p++) {
      const j = extendIndex(p - padLeft, n, mode);
      buf[p] = j < 0 ? 0 : src[start + j * stride];
    }
    for (let i = 0; i < n; i++) {
      // in[i − m + origin] = buf[i − m + origin + padLeft] = buf[i + len − 1 − m]
      let s = 0;
      const base = i + len - 1;
      for (let m = 0; m < len; m++) s += w[m] * buf[base - m];
      out[start + i * stride] = s;
    }
  }
  return out;
}

/** Applies one 1-D kernel per axis in turn: a separable filter, h(x, y, z) = h_x(x) h_y(y) h_z(z). */
export function convolveSeparable(grid: FilterGrid, kernels: ReadonlyArray<Kernel1D | null>, mode: BoundaryCondition): Float64Array {
  let data = grid.data;
  for (let axis = 0; axis < kernels.length; axis++) {
    const k = kernels[axis];
    if (k) data = convolveAxis({ data, dims: grid.dims, spacing: grid.spacing }, axis, k, mode);
  }
  return data === grid.data ? Float64Array.from(data) : data;
}
