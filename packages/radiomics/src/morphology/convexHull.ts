import quickhull from 'quickhull3d/dist/quickhull3d.js';
import type { ConvexHull } from './convexHullTypes.js';

/**
 * Builds the hull of any points with quickhull3d (floating point, with its tolerances); volume by
 * tetrahedra from an interior point, area by triangles. Mesh vertices of a mask go to
 * latticeConvexHull instead (exact, and without quickhull3d's start-up cost); this is its fallback
 * and the hull of arbitrary point sets.
 */
export function convexHull(points: Float64Array): ConvexHull {
  const n = points.length / 3;
  const pts: Array<[number, number, number]> = new Array(n);
  for (let i = 0; i < n; i++) pts[i] = [points[3 * i], points[3 * i + 1], points[3 * i + 2]];
  if (n < 4) return { volume: 0, area: 0, vertices: points.slice(), normals: new Float64Array(0), faceAreas: new Float64Array(0) };
  // Polygon faces (coplanar triangles merged): one normal per hull plane.
  const faces = quickhull(pts, { skipTriangulation: true });
  let cx = 0, cy = 0, cz = 0;
  for (let i = 0; i < n; i++) { cx += pts[i][0]; cy += pts[i][1]; cz += pts[i][2]; }
  cx /= n; cy /= n; cz /= n;
  let volume6 = 0, area2 = 0;
  const used = new Set<number>();
  const normals: number[] = [];
  const faceAreas: number[] = [];
  for (const face of faces) {
    for (const v of face) used.add(v);
    const a = pts[face[0]];
    let fx = 0, fy = 0, fz = 0;
    for (let k = 1; k + 1 < face.length; k++) {
      const b = pts[face[k]], c = pts[face[k + 1]];
      const ux = b[0] - a[0], uy = b[1] - a[1], uz = b[2] - a[2];
      const vx = c[0] - a[0], vy = c[1] - a[1], vz = c[2] - a[2];
      const nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
      fx += nx; fy += ny; fz += nz;
      area2 += Math.sqrt(nx * nx + ny * ny + nz * nz);
      volume6 += Math.abs(nx * (a[0] - cx) + ny * (a[1] - cy) + nz * (a[2] - cz));
    }
    const len = Math.sqrt(fx * fx + fy * fy + fz * fz);
    if (len > 0) {
      normals.push(fx / len, fy / len, fz / len);
      faceAreas.push(len / 2);
    }
  }
  const vertices = new Float64Array(used.size * 3);
  let j = 0;
  for (const v of used) { vertices[j++] = pts[v][0]; vertices[j++] = pts[v][1]; vertices[j++] = pts[v][2]; }
  return { volume: volume6 / 6, area: area2 / 2, vertices, normals: Float64Array.from(normals), faceAreas: Float64Array.from(faceAreas) };
}

/**
 * Largest distance between two points (IBSI L0JK: attained by two hull vertices); the TypeScript
 * twin of the native kernel (the same pair loop), RadiomicsKernels.maxPairDistance.
 */
export function maxPairDistanceTs(points: Float64Array): number {
  const n = points.length / 3;
  let best = 0;
  for (let i = 0; i < n; i++) {
    const x = points[3 * i], y = points[3 * i + 1], z = points[3 * i + 2];
    for (let j = i + 1; j < n; j++) {
      const dx = points[3 * j] - x, dy = points[3 * j + 1] - y, dz = points[3 * j + 2] - z;
      const d = dx * dx + dy * dy + dz * dz;
      if (d > best) best = d;
    }
  }
  return Math.sqrt(best);
}
