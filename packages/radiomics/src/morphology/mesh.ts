import { EDGE_MIDPOINTS, TRIANGLES } from './marchingCubesTable.js';

/** Surface mesh measures of a binary mask (IBSI 1 mesh-based representation, WRJH). */
export interface MeshMeasures {
  /** |Σ a·(b×c)/6| over the faces (IBSI RNU0), mm³. */
  volume: number;
  /** Σ |ab × ac|/2 (IBSI C0JK), mm². */
  area: number;
  faceCount: number;
}

/**
 * Marching cubes at level 0.5 on the zero-padded mask (IBSI 1, mesh-based representation).
 * Works on the whole grid given; callers pass the ROI's bounding box. Faces are not stored:
 * volume and area are accumulated cube by cube. The TypeScript twin of the native kernel (the
 * same cubes and sums in the same order), RadiomicsKernels.meshMeasures.
 */
export function meshMeasuresTs(mask: Uint8Array, dims: readonly [number, number, number], spacing: readonly [number, number, number]): MeshMeasures {
  const [nx, ny, nz] = dims;
  const p = padded(mask, dims);
  const px = nx + 2, pxy = (nx + 2) * (ny + 2);
  // [Σ a·(b×c), Σ |ab × ac|, face count], accumulated triangle by triangle in cube order.
  const acc = new Float64Array(3);
  const ex = new Float64Array(12), ey = new Float64Array(12), ez = new Float64Array(12);
  // Cube (x, y, z) spans voxels x..x+1 etc. of the original grid; x = -1 and x = nx - 1 cover the
  // zero padding. In the padded array voxel x sits at x + 1.
  for (let z = -1; z < nz; z++) {
    for (let y = -1; y < ny; y++) cubeRow(acc, p, (z + 1) * pxy + (y + 1) * px, px, pxy, nx, y, z, spacing, ex, ey, ez);
  }
  return { volume: Math.abs(acc[0]) / 6, area: acc[1] / 2, faceCount: acc[2] };
}

/**
 * The cubes x = −1 … nx − 1 of one row (y, z), starting at padded index i. A function per row
 * rather than a loop nest in the once-per-case caller, so the JIT optimises it within the
 * first case.
 */
function cubeRow(
  acc: Float64Array, p: Uint8Array, i: number, px: number, pxy: number, nx: number, y: number, z: number,
  spacing: readonly [number, number, number], ex: Float64Array, ey: Float64Array, ez: Float64Array,
): void {
  const sx = spacing[0], sy = spacing[1], sz = spacing[2];
  for (let x = -1; x < nx; x++, i++) {
    const config =
      p[i] | (p[i + 1] << 1) | (p[i + px] << 2) | (p[i + px + 1] << 3) |
      (p[i + pxy] << 4) | (p[i + pxy + 1] << 5) | (p[i + pxy + px] << 6) | (p[i + pxy + px + 1] << 7);
    if (config === 0 || config === 255) continue;
    for (let e = 0; e < 12; e++) {
      const m = EDGE_MIDPOINTS[e];
      ex[e] = (x + m[0]) * sx;
      ey[e] = (y + m[1]) * sy;
      ez[e] = (z + m[2]) * sz;
    }
    const tris = TRIANGLES[config];
    for (let t = 0; t < tris.length; t += 3) {
      const a = tris[t], b = tris[t + 1], c = tris[t + 2];
      const ax = ex[a], ay = ey[a], az = ez[a];
      const bx = ex[b], by = ey[b], bz = ez[b];
      const cx = ex[c], cy = ey[c], cz = ez[c];
      // a · (b × c): signed tetrahedron volume × 6 (IBSI RNU0, after Zhang & Chen 2001).
      acc[0] += ax * (by * cz - bz * cy) + ay * (bz * cx - bx * cz) + az * (bx * cy - by * cx);
      const ux = bx - ax, uy = by - ay, uz = bz - az;
      const vx = cx - ax, vy = cy - ay, vz = cz - az;
      const nx_ = uy * vz - uz * vy, ny_ = uz * vx - ux * vz, nz_ = ux * vy - uy * vx;
      acc[1] += Math.sqrt(nx_ * nx_ + ny_ * ny_ + nz_ * nz_);
      acc[2]++;
    }
  }
}

/** The mask as 0/1 with one voxel of zero padding on every side. */
function padded(mask: Uint8Array, dims: readonly [number, number, number]): Uint8Array {
  const [nx, ny, nz] = dims;
  const px = nx + 2, pxy = (nx + 2) * (ny + 2);
  const out = new Uint8Array(pxy * (nz + 2));
  for (let z = 0, i = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      let o = (z + 1) * pxy + (y + 1) * px + 1;
      for (let x = 0; x < nx; x++, i++, o++) out[o] = mask[i] ? 1 : 0;
    }
  }
  return out;
}

/**
 * The mesh vertex set X_vx that can lie on its convex hull. Every marching-cubes vertex is the
 * midpoint between two face-adjacent voxels of different mask value; a point strictly between two
 * others on an axis-parallel line is not extreme, so only the first and last vertex of every
 * x-, y- and z-line can be hull vertices. Coordinates are in mm, flat [x0, y0, z0, x1, …].
 */
export function hullCandidateVertices(mask: Uint8Array, dims: readonly [number, number, number], spacing: readonly [number, number, number]): Float64Array {
  return latticeToMillimetres(hullCandidateLatticeTs(mask, dims), spacing);
}

/** Half-voxel lattice points (X, Y, Z) as mm positions ((X − 1)/2)·s_x etc. */
export function latticeToMillimetres(lattice: Int32Array, spacing: readonly [number, number, number]): Float64Array {
  const out = new Float64Array(lattice.length);
  for (let i = 0; i < lattice.length; i += 3) {
    out[i] = ((lattice[i] - 1) / 2) * spacing[0];
    out[i + 1] = ((lattice[i + 1] - 1) / 2) * spacing[1];
    out[i + 2] = ((lattice[i + 2] - 1) / 2) * spacing[2];
  }
  return out;
}

/**
 * hullCandidateVertices on the half-voxel lattice: integer (X, Y, Z) with X = 2x + 1 at voxel
 * centre x (mm position ((X − 1)/2)·s_x), so hulls can be built with exact arithmetic. The
 * TypeScript twin of the native kernel (the same points in the same order),
 * RadiomicsKernels.hullCandidateLattice.
 */
export function hullCandidateLatticeTs(mask: Uint8Array, dims: readonly [number, number, number]): Int32Array {
  const [nx, ny, nz] = dims;
  // Vertex grid in half-voxel units on the padded grid: doubled coordinates 2x+1 for x-edges etc.
  // Instead of marking an (2n+1)³ grid, keep the first and last vertex of every x-, y- and z-line.
  const gx = 2 * nx + 1, gy = 2 * ny + 1, gz = 2 * nz + 1;
  const e: LineExtremes = {
    gx, gy,
    xFirst: new Int32Array(gy * gz).fill(-1), xLast: new Int32Array(gy * gz).fill(-1),
    yFirst: new Int32Array(gx * gz).fill(-1), yLast: new Int32Array(gx * gz).fill(-1),
    zFirst: new Int32Array(gx * gy).fill(-1), zLast: new Int32Array(gx * gy).fill(-1),
  };
  const p = padded(mask, dims);
  const px = nx + 2, pxy = (nx + 2) * (ny + 2);
  // Doubled coordinate of voxel x is 2x + 1 (the padding voxel −1 maps to −1, so the edge
  // between them is at 0).
  for (let z = -1; z < nz; z++) {
    for (let y = -1; y < ny; y++) vertexRow(e, p, (z + 1) * pxy + (y + 1) * px, px, pxy, nx, y, z);
  }
  // Keep the vertices extreme along their x-line, y-line and z-line and on the convex hull of
  // their own z-plane, in (Z, Y, X) order: each is the first or last vertex of its x-line.
  const out: number[] = [];
  const onHull: PlaneHullScratch = {
    first: new Uint8Array(gy), last: new Uint8Array(gy),
    ys: new Int32Array(2 * gy), xs: new Int32Array(2 * gy), isLast: new Uint8Array(2 * gy), chain: new Int32Array(4 * gy + 2),
  };
  for (let Z = 0; Z < gz; Z++) {
    markPlaneHull(e, Z, gy, onHull);
    for (let Y = 0; Y < gy; Y++) {
      const a = Y + gy * Z;
      if (e.xFirst[a] < 0) continue;
      if (onHull.first[Y]) keepIfExtreme(e, out, e.xFirst[a], Y, Z);
      if (e.xLast[a] !== e.xFirst[a] && onHull.last[Y]) keepIfExtreme(e, out, e.xLast[a], Y, Z);
    }
  }
  return Int32Array.from(out);
}

/**
 * Marks which x-line ends of z-plane Z are vertices of that plane's 2D convex hull. A mesh vertex
 * inside the hull of the other vertices of its own plane is a convex combination of them, so it
 * is not a vertex of the 3D hull either; this leaves the hull a few hundred points per ROI
 * instead of thousands. Andrew's monotone chain over the line ends, which come sorted by (Y, X);
 * integer coordinates, so the orientation tests are exact, and collinear points are dropped
 * (a point inside a hull edge is not extreme). Plain loops and typed arrays, no closures: this
 * runs in every case and is compiled once.
 */
function markPlaneHull(e: LineExtremes, Z: number, gy: number, mark: PlaneHullScratch): void {
  mark.first.fill(0);
  mark.last.fill(0);
  // The plane's line ends in (Y, X) order; end k is (ys[k], xs[k]), an xLast end when isLast[k].
  const { ys, xs, isLast, chain } = mark;
  let n = 0;
  for (let Y = 0; Y < gy; Y++) {
    const a = Y + gy * Z;
    if (e.xFirst[a] < 0) continue;
    ys[n] = Y; xs[n] = e.xFirst[a]; isLast[n++] = 0;
    if (e.xLast[a] !== e.xFirst[a]) { ys[n] = Y; xs[n] = e.xLast[a]; isLast[n++] = 1; }
  }
  if (n <= 2) {
    for (let k = 0; k < n; k++) (isLast[k] ? mark.last : mark.first)[ys[k]] = 1;
    return;
  }
  let h = 0;
  for (let i = 0; i < n; i++) h = pushHull(chain, h, 2, ys, xs, i);
  for (let i = n - 2, lower = h + 1; i >= 0; i--) h = pushHull(chain, h, lower, ys, xs, i);
  for (let i = 0; i < h - 1; i++) (isLast[chain[i]] ? mark.last : mark.first)[ys[chain[i]]] = 1;
}

/** One monotone-chain step: pops while the turn to point i is not strictly left, then pushes i. */
function pushHull(chain: Int32Array, h: number, min: number, ys: Int32Array, xs: Int32Array, i: number): number {
  while (h >= min) {
    const o = chain[h - 2], a = chain[h - 1];
    if ((ys[a] - ys[o]) * (xs[i] - xs[o]) - (xs[a] - xs[o]) * (ys[i] - ys[o]) > 0) break;
    h--;
  }
  chain[h] = i;
  return h + 1;
}

/** Work arrays of markPlaneHull, sized for one plane's line ends (two per x-line). */
interface PlaneHullScratch {
  first: Uint8Array;
  last: Uint8Array;
  ys: Int32Array;
  xs: Int32Array;
  isLast: Uint8Array;
  chain: Int32Array;
}

/**
 * The mesh vertices of cube row (y, z), x = −1 … nx − 1, from padded index i: one on each
 * face-adjacent pair of voxels that differ. A function per row, like cubeRow, so the JIT
 * optimises it early instead of compiling the once-per-case caller on-stack.
 */
function vertexRow(e: LineExtremes, p: Uint8Array, i: number, px: number, pxy: number, nx: number, y: number, z: number): void {
  for (let x = -1; x < nx; x++, i++) {
    const v = p[i];
    if (v !== p[i + 1] && y >= 0 && z >= 0) addVertex(e, 2 * x + 2, 2 * y + 1, 2 * z + 1);
    if (v !== p[i + px] && x >= 0 && z >= 0) addVertex(e, 2 * x + 1, 2 * y + 2, 2 * z + 1);
    if (v !== p[i + pxy] && x >= 0 && y >= 0) addVertex(e, 2 * x + 1, 2 * y + 1, 2 * z + 2);
  }
}

/** First and last vertex coordinate of every x-line (index Y + gy·Z), y-line (X + gx·Z) and z-line (X + gx·Y). */
interface LineExtremes {
  gx: number;
  gy: number;
  xFirst: Int32Array;
  xLast: Int32Array;
  yFirst: Int32Array;
  yLast: Int32Array;
  zFirst: Int32Array;
  zLast: Int32Array;
}

// Module-level helpers rather than closures: a closure made anew per call is re-optimised by the
// JIT in every case of a cohort.

function addVertex(e: LineExtremes, X: number, Y: number, Z: number): void {
  const a = Y + e.gy * Z, b = X + e.gx * Z, c = X + e.gx * Y;
  if (e.xFirst[a] < 0 || X < e.xFirst[a]) e.xFirst[a] = X;
  if (X > e.xLast[a]) e.xLast[a] = X;
  if (e.yFirst[b] < 0 || Y < e.yFirst[b]) e.yFirst[b] = Y;
  if (Y > e.yLast[b]) e.yLast[b] = Y;
  if (e.zFirst[c] < 0 || Z < e.zFirst[c]) e.zFirst[c] = Z;
  if (Z > e.zLast[c]) e.zLast[c] = Z;
}

function keepIfExtreme(e: LineExtremes, out: number[], X: number, Y: number, Z: number): void {
  const b = X + e.gx * Z, c = X + e.gx * Y;
  if ((e.yFirst[b] === Y || e.yLast[b] === Y) && (e.zFirst[c] === Z || e.zLast[c] === Z)) out.push(X, Y, Z);
}
