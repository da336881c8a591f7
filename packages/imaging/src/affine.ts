import type { Volume } from './volume.js';

/** A 3×4 affine, row-major: world = A[:, :3] · [i j k] + A[:, 3]. */
export type Affine3x4 = [number, number, number, number, number, number, number, number, number, number, number, number];

export type Geometry = Pick<Volume, 'spacing' | 'origin' | 'direction'>;

/** Largest |dot| between distinct unit axes we still call orthogonal (≈0.06°; scanners write ~1e-6). */
export const ORTHOGONALITY_TOLERANCE = 1e-3;

/**
 * Splits a voxel→world affine into spacing (column norms), unit direction columns and origin.
 * Returns `sheared: true` when the columns are not mutually orthogonal, because a Volume has no
 * way to hold a shear (callers decide whether to fall back or refuse).
 */
export function decomposeAffine(a: Affine3x4): Geometry & { sheared: boolean } {
  const cols = [0, 1, 2].map((c) => [a[c], a[4 + c], a[8 + c]]);
  const spacing = cols.map((v) => Math.hypot(v[0], v[1], v[2])) as Volume['spacing'];
  const unit = cols.map((v, c) => {
    const s = spacing[c] || 1;
    return [v[0] / s, v[1] / s, v[2] / s];
  });
  const dot = (p: number[], q: number[]) => p[0] * q[0] + p[1] * q[1] + p[2] * q[2];
  const sheared =
    spacing.some((s) => !(s > 0) || !Number.isFinite(s)) ||
    Math.abs(dot(unit[0], unit[1])) > ORTHOGONALITY_TOLERANCE ||
    Math.abs(dot(unit[0], unit[2])) > ORTHOGONALITY_TOLERANCE ||
    Math.abs(dot(unit[1], unit[2])) > ORTHOGONALITY_TOLERANCE;
  const direction = [
    unit[0][0], unit[1][0], unit[2][0],
    unit[0][1], unit[1][1], unit[2][1],
    unit[0][2], unit[1][2], unit[2][2],
  ] as Volume['direction'];
  return { spacing, direction: direction.map(noNegZero) as Volume['direction'], origin: [a[3], a[7], a[11]].map(noNegZero) as Volume['origin'], sheared };
}

/** -0 (from negating a zero) prints and compares badly; it means 0. */
function noNegZero(x: number): number {
  return x === 0 ? 0 : x;
}

/** RAS (NIfTI world) → LPS (DICOM / ITK world): negate the first two world rows. */
export function rasToLps(a: Affine3x4): Affine3x4 {
  return [-a[0], -a[1], -a[2], -a[3], -a[4], -a[5], -a[6], -a[7], a[8], a[9], a[10], a[11]];
}

/** World position (mm) of continuous voxel index (i, j, k) of a grid. */
export function indexToWorld(g: Geometry, i: number, j: number, k: number): [number, number, number] {
  const d = g.direction;
  const s = g.spacing;
  const x = i * s[0];
  const y = j * s[1];
  const z = k * s[2];
  return [
    g.origin[0] + d[0] * x + d[1] * y + d[2] * z,
    g.origin[1] + d[3] * x + d[4] * y + d[5] * z,
    g.origin[2] + d[6] * x + d[7] * y + d[8] * z,
  ];
}

/**
 * Continuous voxel index of a world point. The direction matrix is orthonormal (readers refuse
 * shear), so its inverse is its transpose.
 */
export function worldToIndex(g: Geometry, p: readonly number[]): [number, number, number] {
  const d = g.direction;
  const dx = p[0] - g.origin[0];
  const dy = p[1] - g.origin[1];
  const dz = p[2] - g.origin[2];
  return [
    (d[0] * dx + d[3] * dy + d[6] * dz) / g.spacing[0],
    (d[1] * dx + d[4] * dy + d[7] * dz) / g.spacing[1],
    (d[2] * dx + d[5] * dy + d[8] * dz) / g.spacing[2],
  ];
}
