/**
 * Oriented minimum bounding box of the hull vertices (IBSI 1 ZH1A/IQYR). The exact 3D rotating
 * callipers of O'Rourke (1985) are costly; as IBSI allows, we approximate (after Chan & Tan 2001):
 * one box face lies on one of the `maxFaces` largest hull faces, and the rectangle in that plane is
 * the minimum-area rectangle of the projected points, which has a side on an edge of their 2D hull
 * (Freeman & Shapira 1975). Voxel hulls have hundreds of small facets; the large ones carry the box.
 */
export function orientedMinimumBoundingBox(vertices: Float64Array, normals: Float64Array, faceAreas: Float64Array, maxFaces = 64): { volume: number; area: number } {
  const n = vertices.length / 3;
  let best = { volume: Infinity, area: Infinity };
  const seen = new Set<string>();
  const order = Array.from(faceAreas.keys()).sort((a, b) => faceAreas[b] - faceAreas[a]).slice(0, maxFaces);
  for (const face of order) {
    const f = 3 * face;
    const nx = normals[f], ny = normals[f + 1], nz = normals[f + 2];
    const key = `${nx.toFixed(6)},${ny.toFixed(6)},${nz.toFixed(6)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    // Orthonormal basis (u, v) of the plane ⟂ n.
    let ux: number, uy: number, uz: number;
    if (Math.abs(nx) < 0.9) { ux = 0; uy = nz; uz = -ny; } else { ux = -nz; uy = 0; uz = nx; }
    const ul = Math.hypot(ux, uy, uz);
    ux /= ul; uy /= ul; uz /= ul;
    const vx = ny * uz - nz * uy, vy = nz * ux - nx * uz, vz = nx * uy - ny * ux;
    let hMin = Infinity, hMax = -Infinity;
    const pts: Array<[number, number]> = new Array(n);
    for (let i = 0; i < n; i++) {
      const x = vertices[3 * i], y = vertices[3 * i + 1], z = vertices[3 * i + 2];
      const h = x * nx + y * ny + z * nz;
      if (h < hMin) hMin = h;
      if (h > hMax) hMax = h;
      pts[i] = [x * ux + y * uy + z * uz, x * vx + y * vy + z * vz];
    }
    const height = hMax - hMin;
    const hull = hull2d(pts);
    for (let e = 0; e < hull.length; e++) {
      const a = hull[e], b = hull[(e + 1) % hull.length];
      const ex = b[0] - a[0], ey = b[1] - a[1];
      const el = Math.hypot(ex, ey);
      if (el === 0) continue;
      const dx = ex / el, dy = ey / el;
      let sMin = Infinity, sMax = -Infinity, tMin = Infinity, tMax = -Infinity;
      for (const p of hull) {
        const s = p[0] * dx + p[1] * dy, t = -p[0] * dy + p[1] * dx;
        if (s < sMin) sMin = s;
        if (s > sMax) sMax = s;
        if (t < tMin) tMin = t;
        if (t > tMax) tMax = t;
      }
      const w = sMax - sMin, d = tMax - tMin;
      const volume = w * d * height;
      if (volume < best.volume) best = { volume, area: 2 * (w * d + w * height + d * height) };
    }
  }
  return best;
}

/** Andrew's monotone chain convex hull in 2D, counter-clockwise, collinear points dropped. */
function hull2d(points: Array<[number, number]>): Array<[number, number]> {
  const p = points.slice().sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (p.length < 3) return p;
  const cross = (o: number[], a: number[], b: number[]): number => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: Array<[number, number]> = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], q) <= 1e-12) lower.pop();
    lower.push(q);
  }
  const upper: Array<[number, number]> = [];
  for (let i = p.length - 1; i >= 0; i--) {
    const q = p[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], q) <= 1e-12) upper.pop();
    upper.push(q);
  }
  return lower.slice(0, -1).concat(upper.slice(0, -1));
}
