import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CountMatrix } from '../src/texture/countMatrix.js';
import { DIRECTIONS_3D } from '../src/texture/directions.js';
import { buildGldzm, zoneDistances } from '../src/texture/gldzm.js';
import { buildGlcm } from '../src/texture/glcm.js';
import { buildGlrlm } from '../src/texture/glrlm.js';
import { buildGlszm } from '../src/texture/glszm.js';
import { buildNgldm } from '../src/texture/ngldm.js';
import { buildNgtdm, type NgtdmMatrix } from '../src/texture/ngtdm.js';
import { buildRoiGrid } from '../src/texture/roiGrid.js';
import { allZones, labelZones, zonesBySlice } from '../src/texture/zones.js';

/**
 * Texture matrices of an irregular ROI (holes, a morphological mask larger than the intensity
 * mask, several slices) against an independent numpy/scipy computation
 * (scripts/fixtures/texture/generate_texture_matrices.py): GLCM at distance 2, runs in all 13
 * directions, 8-/26-connected zones, 4-/6-connected border distances on the morphological
 * mask, NGTDM and NGLDM at distance 2 with coarseness 1, in 2D and 3D.
 */
type Rows = number[][];
const here = dirname(fileURLToPath(import.meta.url));
const fx = JSON.parse(readFileSync(join(here, 'fixtures/texture-matrices.json'), 'utf8')) as {
  dims: [number, number, number]; nLevels: number; glcmDistance: number; neighbourhoodDistance: number; coarseness: number;
  levels: number[]; mask: number[]; morphologicalMask: number[];
  glcm3d: Record<string, Rows>; glrlm3d: Record<string, Rows>;
  glszm3d: Rows; glszm2d: Record<string, Rows>; gldzm3d: Rows; gldzm2d: Record<string, Rows>;
  ngtdm3d: Rows; ngtdm2d: Record<string, Rows>; ngldm3d: Rows; ngldm2d: Record<string, Rows>;
};
const grid = buildRoiGrid({
  levels: Int32Array.from(fx.levels), mask: Uint8Array.from(fx.mask), morphologicalMask: Uint8Array.from(fx.morphologicalMask),
  dims: fx.dims, spacing: [1, 1, 1], nLevels: fx.nLevels,
}, Math.max(fx.glcmDistance, fx.neighbourhoodDistance));
const slices = Object.keys(fx.glszm2d).map(Number);
const sliceVoxels = (z: number) => grid.sliceStart[z + 1] - grid.sliceStart[z];

const byCell = (a: number[], b: number[]) => a[0] - b[0] || a[1] - b[1];
const cells = (m: CountMatrix): Rows => Array.from(m.count, (n, c) => [m.level[c], m.column[c], n]).sort(byCell);
const ngtdmRows = (m: NgtdmMatrix): Rows => {
  const rows: Rows = [];
  for (let i = 1; i <= m.nLevels; i++) if (m.n[i] > 0) rows.push([i, m.s[i], m.n[i]]);
  return rows;
};
function expectNgtdm(actual: Rows, expected: Rows): void {
  expect(actual.map((r) => [r[0], r[2]])).toEqual(expected.map((r) => [r[0], r[2]]));
  actual.forEach((r, k) => expect(r[1]).toBeCloseTo(expected[k][1], 10));
}

describe('texture matrices against scipy on an irregular ROI', () => {
  it('has slices, holes and a larger morphological mask', () => {
    expect(slices.length).toBeGreaterThan(3);
    expect(fx.mask.reduce((a, b) => a + b, 0)).toBeLessThan(fx.morphologicalMask.reduce((a, b) => a + b, 0));
  });

  it.each(DIRECTIONS_3D.map((d) => [JSON.stringify(d)] as const))('GLCM at distance 2, direction %s', (key) => {
    const d = JSON.parse(key) as [number, number, number];
    const m = buildGlcm(grid, d, fx.glcmDistance, null);
    const rows: Rows = [];
    for (let i = 1; i <= fx.nLevels; i++) for (let j = 1; j <= fx.nLevels; j++) {
      const n = m.counts[(i - 1) * fx.nLevels + (j - 1)];
      if (n) rows.push([i, j, n]);
    }
    expect(rows).toEqual([...fx.glcm3d[key.replace(/,/g, ', ')]].sort(byCell));
  });

  it.each(DIRECTIONS_3D.map((d) => [JSON.stringify(d)] as const))('GLRLM, direction %s', (key) => {
    const d = JSON.parse(key) as [number, number, number];
    expect(cells(buildGlrlm(grid, d, null))).toEqual([...fx.glrlm3d[key.replace(/,/g, ', ')]].sort(byCell));
  });

  it('GLSZM and GLDZM in 3D (26-connected zones, 6-connected distance on the morphological mask)', () => {
    const zones = labelZones(grid, false);
    expect(cells(buildGlszm(grid, zones, allZones(zones), grid.roi.length))).toEqual(fx.glszm3d);
    expect(cells(buildGldzm(grid, zones, zoneDistances(grid, zones, false), allZones(zones), grid.roi.length))).toEqual(fx.gldzm3d);
  });

  it('GLSZM and GLDZM per slice (8-connected zones, 4-connected distance)', () => {
    const zones = labelZones(grid, true);
    const distances = zoneDistances(grid, zones, true);
    const bySlice = zonesBySlice(zones, grid.nSlices);
    for (const z of slices) {
      expect(cells(buildGlszm(grid, zones, bySlice[z], sliceVoxels(z)))).toEqual(fx.glszm2d[z]);
      expect(cells(buildGldzm(grid, zones, distances, bySlice[z], sliceVoxels(z)))).toEqual(fx.gldzm2d[z]);
    }
  });

  it('NGTDM at distance 2 in 3D and per slice', () => {
    expectNgtdm(ngtdmRows(buildNgtdm(grid, fx.neighbourhoodDistance, false)[0]), fx.ngtdm3d);
    const perSlice = buildNgtdm(grid, fx.neighbourhoodDistance, true);
    for (const z of slices) expectNgtdm(ngtdmRows(perSlice[z]), fx.ngtdm2d[z]);
  });

  it('NGLDM at distance 2, coarseness 1, in 3D and per slice', () => {
    expect(cells(buildNgldm(grid, fx.neighbourhoodDistance, fx.coarseness, false)[0])).toEqual(fx.ngldm3d);
    const perSlice = buildNgldm(grid, fx.neighbourhoodDistance, fx.coarseness, true);
    for (const z of slices) expect(cells(perSlice[z])).toEqual(fx.ngldm2d[z]);
  });
});
