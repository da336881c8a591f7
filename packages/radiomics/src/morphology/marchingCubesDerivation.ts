/**
 * How the marching-cubes case table for binary masks is derived rather than transcribed. The
 * runtime table (marchingCubesTable.ts) is this derivation's output, written once by
 * scripts/generate-marching-cubes-table.mjs (a test checks the two agree), so no case is rebuilt
 * and no derivation code is compiled when a process starts.
 *
 * IBSI 1 (mesh-based representation) meshes the ROI with marching cubes at level 0.5
 * (Lorensen & Cline 1987). On a 0/1 mask every vertex is the midpoint of a cube edge whose two
 * corners differ, so the whole table follows from the cube's geometry:
 *  1. on each face, walking its corners counter-clockwise as seen from outside the cube, every
 *     run of inside corners is cut off by one segment from the crossing where the walk enters the
 *     run to the crossing where it leaves it (ambiguous faces therefore keep diagonal inside
 *     corners apart, as the classic table does);
 *  2. a crossing is entered on one face and left on the other face sharing that edge, so the
 *     segments chain into closed loops;
 *  3. each loop is triangulated with the largest total area (dynamic programming over the
 *     polygon): for non-planar loops this is the fan Lorensen's classic table uses, and the mesh
 *     then matches scikit-image's marching cubes wherever its two variants agree (see the tests).
 * Unlike the classic table, complementary cases are not mirrored, so adjacent cubes always
 * resolve a shared ambiguous face alike and the mesh stays closed.
 */

import { CUBE_EDGES, EDGE_MIDPOINTS } from './marchingCubesTable.js';

function edgeIndex(a: number, b: number): number {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  return CUBE_EDGES.findIndex(([p, q]) => p === lo && q === hi);
}

/** The six faces, corners counter-clockwise as seen from outside the cube. */
function faces(): number[][] {
  const out: number[][] = [];
  for (let axis = 0; axis < 3; axis++) {
    const u = 1 << ((axis + 1) % 3);
    const v = 1 << ((axis + 2) % 3);
    for (const side of [0, 1]) {
      const base = side << axis;
      // (u, v, axis) is right-handed, so base, +u, +u+v, +v runs counter-clockwise seen from +axis.
      const ring = [base, base | u, base | u | v, base | v];
      out.push(side === 1 ? ring : ring.reverse());
    }
  }
  return out;
}

function triangleArea(a: readonly number[], b: readonly number[], c: readonly number[]): number {
  const ux = b[0] - a[0], uy = b[1] - a[1], uz = b[2] - a[2];
  const vx = c[0] - a[0], vy = c[1] - a[1], vz = c[2] - a[2];
  const cx = uy * vz - uz * vy, cy = uz * vx - ux * vz, cz = ux * vy - uy * vx;
  return Math.sqrt(cx * cx + cy * cy + cz * cz) / 2;
}

/** Maximum-area triangulation of a closed polygon loop (edge ids), keeping its orientation. */
function triangulate(loop: number[]): number[] {
  const n = loop.length;
  const p = loop.map((e) => EDGE_MIDPOINTS[e]);
  const cost: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const split: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(-1));
  for (let len = 2; len < n; len++) {
    for (let i = 0; i + len < n; i++) {
      const j = i + len;
      cost[i][j] = -Infinity;
      for (let k = i + 1; k < j; k++) {
        const c = cost[i][k] + cost[k][j] + triangleArea(p[i], p[k], p[j]);
        if (c > cost[i][j] + 1e-12 || split[i][j] < 0) {
          cost[i][j] = c;
          split[i][j] = k;
        }
      }
    }
  }
  const tris: number[] = [];
  const emit = (i: number, j: number): void => {
    const k = split[i][j];
    if (k < 0) return;
    emit(i, k);
    tris.push(loop[i], loop[k], loop[j]);
    emit(k, j);
  };
  emit(0, n - 1);
  return tris;
}

export function buildCase(config: number): number[] {
  const inside = (c: number): boolean => ((config >> c) & 1) === 1;
  const next = new Map<number, number>(); // segment start edge -> end edge
  for (const ring of faces()) {
    const entries: number[] = [];
    const exits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const a = ring[i];
      const b = ring[(i + 1) % 4];
      if (inside(a) !== inside(b)) (inside(b) ? entries : exits).push(i);
    }
    // Pair each entry with the first exit after it along the walk: cuts off one inside run.
    for (const entry of entries) {
      let best = -1;
      for (let step = 1; step <= 4 && best < 0; step++) {
        const i = (entry + step) % 4;
        if (exits.includes(i)) best = i;
      }
      const from = edgeIndex(ring[entry], ring[(entry + 1) % 4]);
      const to = edgeIndex(ring[best], ring[(best + 1) % 4]);
      next.set(from, to);
    }
  }
  const tris: number[] = [];
  const seen = new Set<number>();
  for (const start of next.keys()) {
    if (seen.has(start)) continue;
    const loop: number[] = [];
    let e = start;
    while (!seen.has(e)) {
      seen.add(e);
      loop.push(e);
      e = next.get(e)!;
    }
    tris.push(...triangulate(loop));
  }
  return tris;
}

/** The derived table: edge ids, three per triangle, for each config (bit c: corner c inside). */
export function deriveTriangles(): number[][] {
  return Array.from({ length: 256 }, (_, c) => buildCase(c));
}
