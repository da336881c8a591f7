import { convolveSpectrum, paddedSpectrum } from './fourier.js';
import type { BoundaryCondition, FilterGrid } from './grid.js';
import { ResponsePool, type FilterProgress, type Pooling } from './rotations.js';

/** An image plane: the filter's x̃ axis along image axis `u`, its ỹ axis along image axis `v`. */
export type GaborPlane = readonly [u: number, v: number];
export const AXIAL_PLANE: GaborPlane = [0, 1];
export const ORTHOGONAL_PLANES: readonly GaborPlane[] = [[0, 1], [0, 2], [1, 2]];

export interface GaborSettings {
  /** σ of the Gaussian envelope, mm */
  sigma: number;
  /** wavelength λ of the harmonic, mm */
  lambda: number;
  /** spatial aspect ratio γ */
  gamma: number;
  /** orientations θ, radians: one for a plain filter, the manual's set for a rotation-invariant one */
  thetas: readonly number[];
  /** how the orientations' responses are pooled (the manual pools Gabor responses by averaging) */
  pooling: Pooling;
  /** the planes the 2D kernel is applied in; responses of several planes are averaged */
  planes: readonly GaborPlane[];
  /** the kernel reaches ⌊t·max(σ, σ/γ) + 1/2⌋ voxels from its centre */
  truncation: number;
  boundary: BoundaryCondition;
}

/**
 * Gabor filter (IBSI 2 manual, section 3.5): the complex 2D kernel
 *   g(x, y) = exp(−(x̃² + γ²ỹ²) / (2σ²)) · exp(i 2π x̃ / λ),
 *   x̃ = x cos θ + y sin θ,  ỹ = −x sin θ + y cos θ,
 * applied in a plane; the response is the modulus |g ∗ f|. Rotation invariance pools the
 * responses of the orientations θ ∈ {0, Δθ, …} (section 2.4); a "3D" Gabor response averages
 * the responses in the three orthogonal planes.
 */
export function gaborFilter(grid: FilterGrid, s: GaborSettings, progress?: FilterProgress): Float64Array {
  const planes = new ResponsePool('average');
  const thetas = distinctModuloPi(s.thetas);
  const total = thetas.length * s.planes.length;
  let done = 0;
  for (const [u, v] of s.planes) {
    const su = s.sigma / grid.spacing[u], sv = s.sigma / grid.spacing[v];
    const reach = Math.max(1, 1 / s.gamma);
    const radius: [number, number, number] = [0, 0, 0];
    radius[u] = Math.floor(s.truncation * su * reach + 0.5);
    radius[v] = Math.floor(s.truncation * sv * reach + 0.5);
    const spectrum = paddedSpectrum(grid, radius, s.boundary);
    const orientations = new ResponsePool(s.pooling);
    for (const theta of thetas) {
      const c = Math.cos(theta), sn = Math.sin(theta);
      // offsets in mm, scaled back by σ and λ expressed in voxels of each axis
      const { re, im } = convolveSpectrum(spectrum, (off) => {
        const x = off[u] * grid.spacing[u], y = off[v] * grid.spacing[v];
        const xt = x * c + y * sn;
        const yt = -x * sn + y * c;
        const envelope = Math.exp(-(xt * xt + s.gamma * s.gamma * yt * yt) / (2 * s.sigma * s.sigma));
        const phase = (2 * Math.PI * xt) / s.lambda;
        return [envelope * Math.cos(phase), envelope * Math.sin(phase)];
      });
      const modulus = new Float64Array(re.length);
      for (let i = 0; i < re.length; i++) modulus[i] = Math.hypot(re[i], im[i]);
      orientations.add(modulus);
      progress?.(++done, total);
    }
    planes.add(orientations.result());
  }
  return planes.result();
}

/** The orientation set of a rotation-invariant Gabor filter: θ = 0, Δθ, 2Δθ, … below 2π. */
export function gaborOrientations(step: number): number[] {
  const out: number[] = [];
  const n = Math.round((2 * Math.PI) / step);
  for (let k = 0; k < n; k++) out.push(k * step);
  return out;
}

/**
 * The orientations that give distinct responses: g at θ + π is the complex conjugate of g at θ,
 * so for a real image |g_{θ+π} ∗ f| = |g_θ ∗ f|. When every orientation class modulo π holds the
 * same number of angles (as the set {0, Δθ, …} does), pooling over one angle per class gives the
 * same average, maximum or minimum at half the cost; otherwise every angle is kept.
 */
export function distinctModuloPi(thetas: readonly number[]): number[] {
  const classes = new Map<number, { theta: number; count: number }>();
  for (const theta of thetas) {
    const key = Math.round((((theta % Math.PI) + Math.PI) % Math.PI) * 1e9) % Math.round(Math.PI * 1e9);
    const c = classes.get(key);
    if (c) c.count++;
    else classes.set(key, { theta, count: 1 });
  }
  const counts = new Set([...classes.values()].map((c) => c.count));
  return counts.size === 1 ? [...classes.values()].map((c) => c.theta) : [...thetas];
}
