/** How many of the largest hull faces a box face may lie on. */
export const OMBB_CANDIDATE_FACES = 32;

/**
 * Oriented minimum bounding box of the hull vertices (IBSI 1 ZH1A/IQYR). The exact 3D rotating
 * callipers of O'Rourke (1985) are costly; as IBSI allows, we approximate (after Chan & Tan 2001):
 * one box face lies on one of the `maxFaces` (32) largest hull faces, and the rectangle in that plane is
 * the minimum-area rectangle of the projected points, which has a side on an edge of their 2D hull
 * (Freeman & Shapira 1975). Voxel hulls have hundreds of small facets; the large ones carry the box.
 * The TypeScript twin of the native kernel (same steps, same arithmetic), RadiomicsKernels.orientedMinimumBoundingBox.
 */
export function orientedMinimumBoundingBoxTs(vertices: Float64Array, normals: Float64Array, faceAreas: Float64Array, maxFaces = OMBB_CANDIDATE_FACES): { volume: number; area: number } {
  const n = vertices.length / 3;
  let best = { volume: Infinity, area: Infinity };
  const seen = new Set<string>();
  const order = Array.from(faceAreas.keys()).sort((a, b) => faceAreas[b] - faceAreas[a]).slice(0, maxFaces);
  const pu = new Float64Array(n), pv = new Float64Array(n);
  const order2d = new Uint32Array(n), hullIdx = new Uint32Array(2 * n + 2);
  const rect = new Float64Array(2);
  for (const face of order) {
    const f = 3 * face;
    const nx = normals[f], ny = normals[f + 1], nz = normals[f + 2];
    if (!(faceAreas[face] > 0 && Number.isFinite(nx + ny + nz))) continue; // a degenerate face has no plane
    // Normals equal to a millionth are one plane; the native twin rounds the same way.
    const key = `${Math.round(nx * 1e6)},${Math.round(ny * 1e6)},${Math.round(nz * 1e6)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    // Orthonormal basis (u, v) of the plane ⟂ n.
    let ux: number, uy: number, uz: number;
    if (Math.abs(nx) < 0.9) { ux = 0; uy = nz; uz = -ny; } else { ux = -nz; uy = 0; uz = nx; }
    // Plain square roots, not Math.hypot: V8 rounds hypot its own way, and the native twin must match.
    const ul = Math.sqrt(ux * ux + uy * uy + uz * uz);
    ux /= ul; uy /= ul; uz /= ul;
    const vx = ny * uz - nz * uy, vy = nz * ux - nx * uz, vz = nx * uy - ny * ux;
    const height = project(vertices, n, nx, ny, nz, ux, uy, uz, vx, vy, vz, pu, pv);
    const hull = hull2d(pu, pv, n, order2d, hullIdx);
    for (let e = 0; e < hull; e++) {
      const a = hullIdx[e], b = hullIdx[(e + 1) % hull];
      const ex = pu[b] - pu[a], ey = pv[b] - pv[a];
      const el = Math.sqrt(ex * ex + ey * ey);
      if (el === 0) continue;
      edgeRectangle(pu, pv, hullIdx, hull, ex / el, ey / el, rect);
      const w = rect[0], d = rect[1];
      const volume = w * d * height;
      if (volume < best.volume) best = { volume, area: 2 * (w * d + w * height + d * height) };
    }
  }
  return best;
}

// The sweeps over points as small functions (called per face and per edge), which the JIT
// optimises within the first case.

/** Projects the points on (u, v) into pu, pv and returns their extent along n (the box height). */
function project(vertices: Float64Array, n: number, nx: number, ny: number, nz: number, ux: number, uy: number, uz: number, vx: number, vy: number, vz: number, pu: Float64Array, pv: Float64Array): number {
  let hMin = Infinity, hMax = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = vertices[3 * i], y = vertices[3 * i + 1], z = vertices[3 * i + 2];
    const h = x * nx + y * ny + z * nz;
    if (h < hMin) hMin = h;
    if (h > hMax) hMax = h;
    pu[i] = x * ux + y * uy + z * uz;
    pv[i] = x * vx + y * vy + z * vz;
  }
  return hMax - hMin;
}

/** Width and depth of the 2D hull's points along the unit direction (dx, dy) and its normal, into rect. */
function edgeRectangle(pu: Float64Array, pv: Float64Array, hullIdx: Uint32Array, hull: number, dx: number, dy: number, rect: Float64Array): void {
  let sMin = Infinity, sMax = -Infinity, tMin = Infinity, tMax = -Infinity;
  for (let k = 0; k < hull; k++) {
    const q = hullIdx[k];
    const s = pu[q] * dx + pv[q] * dy, t = -pu[q] * dy + pv[q] * dx;
    if (s < sMin) sMin = s;
    if (s > sMax) sMax = s;
    if (t < tMin) tMin = t;
    if (t > tMax) tMax = t;
  }
  rect[0] = sMax - sMin;
  rect[1] = tMax - tMin;
}

/**
 * Andrew's monotone chain convex hull in 2D (counter-clockwise, collinear points dropped) of the
 * points (u[i], v[i]); writes point indices into `out` and returns their count.
 */
function hull2d(u: Float64Array, v: Float64Array, n: number, order: Uint32Array, out: Uint32Array): number {
  for (let i = 0; i < n; i++) order[i] = i;
  const sorted = order.subarray(0, n).sort((a, b) => u[a] - u[b] || v[a] - v[b]);
  if (n < 3) { out.set(sorted); return n; }
  const cross = (o: number, a: number, b: number): number => (u[a] - u[o]) * (v[b] - v[o]) - (v[a] - v[o]) * (u[b] - u[o]);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const q = sorted[i];
    while (k >= 2 && cross(out[k - 2], out[k - 1], q) <= 1e-12) k--;
    out[k++] = q;
  }
  const lowerEnd = k + 1;
  for (let i = n - 2; i >= 0; i--) {
    const q = sorted[i];
    while (k >= lowerEnd && cross(out[k - 2], out[k - 1], q) <= 1e-12) k--;
    out[k++] = q;
  }
  return k - 1;
}
