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
 * volume and area are accumulated cube by cube.
 */
export function meshMeasures(mask: Uint8Array, dims: readonly [number, number, number], spacing: readonly [number, number, number]): MeshMeasures {
  const [nx, ny, nz] = dims;
  const [sx, sy, sz] = spacing;
  const at = (x: number, y: number, z: number): number =>
    x < 0 || y < 0 || z < 0 || x >= nx || y >= ny || z >= nz ? 0 : mask[x + nx * (y + ny * z)] ? 1 : 0;
  let signedVolume6 = 0;
  let area2 = 0;
  let faceCount = 0;
  const ex = new Float64Array(12), ey = new Float64Array(12), ez = new Float64Array(12);
  // Cube (x, y, z) spans voxels x..x+1 etc.; x = -1 and x = nx - 1 cover the padding.
  for (let z = -1; z < nz; z++) {
    for (let y = -1; y < ny; y++) {
      for (let x = -1; x < nx; x++) {
        const config =
          at(x, y, z) | (at(x + 1, y, z) << 1) | (at(x, y + 1, z) << 2) | (at(x + 1, y + 1, z) << 3) |
          (at(x, y, z + 1) << 4) | (at(x + 1, y, z + 1) << 5) | (at(x, y + 1, z + 1) << 6) | (at(x + 1, y + 1, z + 1) << 7);
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
          signedVolume6 += ax * (by * cz - bz * cy) + ay * (bz * cx - bx * cz) + az * (bx * cy - by * cx);
          const ux = bx - ax, uy = by - ay, uz = bz - az;
          const vx = cx - ax, vy = cy - ay, vz = cz - az;
          const nx_ = uy * vz - uz * vy, ny_ = uz * vx - ux * vz, nz_ = ux * vy - uy * vx;
          area2 += Math.sqrt(nx_ * nx_ + ny_ * ny_ + nz_ * nz_);
          faceCount++;
        }
      }
    }
  }
  return { volume: Math.abs(signedVolume6) / 6, area: area2 / 2, faceCount };
}

/**
 * The mesh vertex set X_vx that can lie on its convex hull. Every marching-cubes vertex is the
 * midpoint between two face-adjacent voxels of different mask value; a point strictly between two
 * others on an axis-parallel line is not extreme, so only the first and last vertex of every
 * x-, y- and z-line can be hull vertices. Coordinates are in mm, flat [x0, y0, z0, x1, …].
 */
export function hullCandidateVertices(mask: Uint8Array, dims: readonly [number, number, number], spacing: readonly [number, number, number]): Float64Array {
  const [nx, ny, nz] = dims;
  // Vertex grid in half-voxel units on the padded grid: doubled coordinates 2x+1 for x-edges etc.
  const gx = 2 * nx + 1, gy = 2 * ny + 1, gz = 2 * nz + 1;
  const at = (x: number, y: number, z: number): number =>
    x < 0 || y < 0 || z < 0 || x >= nx || y >= ny || z >= nz ? 0 : mask[x + nx * (y + ny * z)];
  const isVertex = new Uint8Array(gx * gy * gz);
  const vid = (X: number, Y: number, Z: number): number => X + gx * (Y + gy * Z);
  // Doubled coordinate of voxel x is 2x + 1 (shifted so the padding voxel -1 maps to -1 → edge at 0).
  for (let z = -1; z < nz; z++) {
    for (let y = -1; y < ny; y++) {
      for (let x = -1; x < nx; x++) {
        const v = at(x, y, z);
        if (y >= 0 && z >= 0 && v !== at(x + 1, y, z)) isVertex[vid(2 * x + 2, 2 * y + 1, 2 * z + 1)] = 1;
        if (x >= 0 && z >= 0 && v !== at(x, y + 1, z)) isVertex[vid(2 * x + 1, 2 * y + 2, 2 * z + 1)] = 1;
        if (x >= 0 && y >= 0 && v !== at(x, y, z + 1)) isVertex[vid(2 * x + 1, 2 * y + 1, 2 * z + 2)] = 1;
      }
    }
  }
  // Keep vertices extreme along their x-line, y-line and z-line (counts reach 3 only for those).
  const extremeCount = new Uint8Array(isVertex.length);
  const markLine = (start: number, stride: number, count: number): void => {
    let first = -1, last = -1;
    for (let i = 0, p = start; i < count; i++, p += stride) {
      if (isVertex[p]) {
        if (first < 0) first = p;
        last = p;
      }
    }
    if (first >= 0) {
      extremeCount[first]++;
      if (last !== first) extremeCount[last]++;
    }
  };
  for (let Z = 0; Z < gz; Z++) for (let Y = 0; Y < gy; Y++) markLine(vid(0, Y, Z), 1, gx);
  for (let Z = 0; Z < gz; Z++) for (let X = 0; X < gx; X++) markLine(vid(X, 0, Z), gx, gy);
  for (let Y = 0; Y < gy; Y++) for (let X = 0; X < gx; X++) markLine(vid(X, Y, 0), gx * gy, gz);
  const out: number[] = [];
  for (let Z = 0; Z < gz; Z++) {
    for (let Y = 0; Y < gy; Y++) {
      for (let X = 0; X < gx; X++) {
        const i = vid(X, Y, Z);
        if (extremeCount[i] === 3) out.push(((X - 1) / 2) * spacing[0], ((Y - 1) / 2) * spacing[1], ((Z - 1) / 2) * spacing[2]);
      }
    }
  }
  return Float64Array.from(out);
}
