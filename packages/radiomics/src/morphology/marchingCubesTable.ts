/**
 * Marching-cubes geometry and case table for binary masks (IBSI 1, mesh-based representation;
 * Lorensen & Cline 1987). The table is derived in marchingCubesDerivation.ts and stored here as
 * its output (marchingCubesTriangles.generated.ts), so a process does not rebuild it on start.
 */
import { TRIANGLE_CODES } from './marchingCubesTriangles.generated.js';

/** Corner c of a cube sits at (c & 1, (c >> 1) & 1, (c >> 2) & 1). */
export const CUBE_EDGES: ReadonlyArray<readonly [number, number]> = (() => {
  const edges: Array<[number, number]> = [];
  for (let c = 0; c < 8; c++) {
    for (const bit of [1, 2, 4]) if (!(c & bit)) edges.push([c, c | bit]);
  }
  return edges;
})();

/** Midpoint of each edge in cube units. */
export const EDGE_MIDPOINTS: ReadonlyArray<readonly [number, number, number]> = CUBE_EDGES.map(([a, b]) => [
  ((a & 1) + (b & 1)) / 2,
  (((a >> 1) & 1) + ((b >> 1) & 1)) / 2,
  (((a >> 2) & 1) + ((b >> 2) & 1)) / 2,
]);

/**
 * TRIANGLES[config] lists edge ids, three per triangle; config bit c is corner c inside. Decoded
 * from one hex digit per edge id, configs separated by commas.
 */
export const TRIANGLES: ReadonlyArray<Int8Array> = TRIANGLE_CODES.split(',').map((code) => Int8Array.from(code, (d) => parseInt(d, 16)));
