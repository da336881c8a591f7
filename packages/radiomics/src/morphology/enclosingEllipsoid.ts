import { symmetricEigen3 } from '../math/symmetricEigen3.js';
import type { RadiomicsKernels } from '../kernels/radiomicsKernels.js';

/**
 * Minimum-volume enclosing ellipsoid of the hull vertices by Khachiyan's barycentric coordinate
 * descent (Khachiyan 1996; Todd & Yıldırım 2007), IBSI 1 SWZ1/BRI8 with tolerance τ = 0.001.
 * Returns the semi-axes, largest first.
 */
export function minimumVolumeEnclosingEllipsoid(kernels: RadiomicsKernels, vertices: Float64Array, tolerance = 0.001, maxIterations = 10000): [number, number, number] {
  return semiAxes(kernels.enclosingEllipsoidScatter(vertices, tolerance, maxIterations));
}

/** minimumVolumeEnclosingEllipsoid through the TypeScript twin only. */
export function minimumVolumeEnclosingEllipsoidTs(vertices: Float64Array, tolerance = 0.001, maxIterations = 10000): [number, number, number] {
  return semiAxes(enclosingEllipsoidScatterTs(vertices, tolerance, maxIterations));
}

/** Semi-axes √(d λ), largest first, from the eigenvalues λ of the weighted scatter S (d = 3). */
function semiAxes(S: Float64Array): [number, number, number] {
  const { values } = symmetricEigen3(S);
  return [Math.sqrt(3 * values[0]), Math.sqrt(3 * values[1]), Math.sqrt(3 * Math.max(0, values[2]))];
}

/**
 * Khachiyan's descent, the TypeScript twin of the native kernel: returns the weighted scatter
 * S = Σ u_i (x_i − c)(x_i − c)ᵀ, c = Σ u_i x_i, row-major 3×3.
 */
export function enclosingEllipsoidScatterTs(vertices: Float64Array, tolerance = 0.001, maxIterations = 10000): Float64Array {
  const n = vertices.length / 3;
  const d = 3;
  const u = new Float64Array(n).fill(1 / n);
  // X = Σ u_i q_i q_iᵀ with q_i = (x_i, 1), its inverse, and M_i = q_iᵀ X⁻¹ q_i.
  const Xi = invert(liftedScatter(vertices, u, n), 4);
  const M = new Float64Array(n);
  liftedDistances(vertices, Xi, n, M);
  descend(u, M, Xi, vertices, n, d, tolerance, maxIterations);
  return weightedScatter(vertices, u, n);
}

// Each loop below is a function of its own, with nothing after it: code V8 compiles on-stack in
// a loop of a once-per-case caller knows nothing of what follows, and deoptimised there.

/** Σ u_i q_i q_iᵀ for the lifted points q_i = (x_i, y_i, z_i, 1), row-major 4×4. */
function liftedScatter(vertices: Float64Array, u: Float64Array, n: number): Float64Array {
  const X = new Float64Array(16);
  const q = new Float64Array(4);
  q[3] = 1;
  for (let i = 0; i < n; i++) {
    q[0] = vertices[3 * i]; q[1] = vertices[3 * i + 1]; q[2] = vertices[3 * i + 2];
    for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) X[4 * r + c] += u[i] * q[r] * q[c];
  }
  return X;
}

/** M_i = q_iᵀ X⁻¹ q_i for every lifted point. */
function liftedDistances(vertices: Float64Array, Xi: Float64Array, n: number, M: Float64Array): void {
  const q = new Float64Array(4);
  q[3] = 1;
  for (let i = 0; i < n; i++) {
    q[0] = vertices[3 * i]; q[1] = vertices[3 * i + 1]; q[2] = vertices[3 * i + 2];
    let m = 0;
    for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) m += q[r] * Xi[4 * r + c] * q[c];
    M[i] = m;
  }
}

/** Khachiyan steps until ‖Δu‖ < τ (or maxIterations). */
function descend(u: Float64Array, M: Float64Array, Xi: Float64Array, vertices: Float64Array, n: number, d: number, tolerance: number, maxIterations: number): void {
  const v = new Float64Array(4);
  for (let iter = 0; iter < maxIterations; iter++) {
    if (Math.sqrt(khachiyanStep(u, M, Xi, v, vertices, n, d)) < tolerance) return;
  }
}

/** Σ u_i (x_i − c)(x_i − c)ᵀ with c = Σ u_i x_i, row-major 3×3. */
function weightedScatter(vertices: Float64Array, u: Float64Array, n: number): Float64Array {
  const c = new Float64Array(3);
  for (let i = 0; i < n; i++) for (let r = 0; r < 3; r++) c[r] += u[i] * vertices[3 * i + r];
  const S = new Float64Array(9);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < 3; r++) for (let k = 0; k < 3; k++) S[3 * r + k] += u[i] * (vertices[3 * i + r] - c[r]) * (vertices[3 * i + k] - c[k]);
  }
  return S;
}

/**
 * One coordinate-descent step: move weight β to the point j with the largest M_j, update X⁻¹
 * and every M_i; returns ‖Δu‖².
 */
function khachiyanStep(u: Float64Array, M: Float64Array, Xi: Float64Array, v: Float64Array, vertices: Float64Array, n: number, d: number): number {
  const j = argMax(M, n);
  const mj = M[j];
  const step = (mj - d - 1) / ((d + 1) * (mj - 1));
  const change = moveWeights(u, n, j, step);
  // X ← (1−β)X + β q_j q_jᵀ, so (Sherman–Morrison)
  // M_i ← [M_i − β (q_iᵀ X⁻¹ q_j)² / ((1−β) + β M_j)] / (1−β).
  const qx = vertices[3 * j], qy = vertices[3 * j + 1], qz = vertices[3 * j + 2];
  for (let r = 0; r < 4; r++) v[r] = Xi[4 * r] * qx + Xi[4 * r + 1] * qy + Xi[4 * r + 2] * qz + Xi[4 * r + 3];
  const denom = 1 - step + step * mj;
  updateDistances(M, vertices, n, v, step, denom);
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) Xi[4 * r + c] = (Xi[4 * r + c] - (step * v[r] * v[c]) / denom) / (1 - step);
  return change;
}

/** Index of the first largest M_i. */
function argMax(M: Float64Array, n: number): number {
  let j = 0;
  for (let i = 1; i < n; i++) if (M[i] > M[j]) j = i;
  return j;
}

/** u ← (1 − β) u + β e_j; returns ‖Δu‖². */
function moveWeights(u: Float64Array, n: number, j: number, step: number): number {
  let change = 0;
  for (let i = 0; i < n; i++) {
    const next = (1 - step) * u[i] + (i === j ? step : 0);
    change += (next - u[i]) ** 2;
    u[i] = next;
  }
  return change;
}

/** The Sherman–Morrison update of every M_i (see the caller). */
function updateDistances(M: Float64Array, vertices: Float64Array, n: number, v: Float64Array, step: number, denom: number): void {
  for (let i = 0; i < n; i++) {
    const t = vertices[3 * i] * v[0] + vertices[3 * i + 1] * v[1] + vertices[3 * i + 2] * v[2] + v[3];
    M[i] = (M[i] - (step * t * t) / denom) / (1 - step);
  }
}

/** Gauss–Jordan inverse of a small dense matrix (row-major). */
function invert(m: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(m);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]) > Math.abs(a[pivot * n + col])) pivot = r;
    for (let k = 0; k < n; k++) {
      [a[col * n + k], a[pivot * n + k]] = [a[pivot * n + k], a[col * n + k]];
      [inv[col * n + k], inv[pivot * n + k]] = [inv[pivot * n + k], inv[col * n + k]];
    }
    const p = a[col * n + col];
    for (let k = 0; k < n; k++) { a[col * n + k] /= p; inv[col * n + k] /= p; }
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r * n + col];
      if (f === 0) continue;
      for (let k = 0; k < n; k++) { a[r * n + k] -= f * a[col * n + k]; inv[r * n + k] -= f * inv[col * n + k]; }
    }
  }
  return inv;
}
