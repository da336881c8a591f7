import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CountMatrix } from '../src/texture/countMatrix.js';
import { DIRECTIONS_3D } from '../src/texture/directions.js';
import { buildGldzm, zoneDistances } from '../src/texture/gldzm.js';
import { buildGlcm, mergeGlcm } from '../src/texture/glcm.js';
import { buildGlrlm, glrlmFamily } from '../src/texture/glrlm.js';
import { buildGlszm } from '../src/texture/glszm.js';
import { buildNgldm } from '../src/texture/ngldm.js';
import { buildNgtdm } from '../src/texture/ngtdm.js';
import { buildRoiGrid } from '../src/texture/roiGrid.js';
import { allZones, labelZones } from '../src/texture/zones.js';
import { IBSI1, digitalPhantomInput } from './textureFixtures.js';

/**
 * The 3D texture matrices of the IBSI digital phantom (IBSI 1 manual, "Digital phantom texture
 * matrices"), so a wrong matrix is caught before the features computed from it.
 */
type Rows = number[][];
const reference = JSON.parse(readFileSync(join(IBSI1, 'digital_phantom/texture_matrices_3d.json'), 'utf8')).matrices as Record<string, { rows: Rows }>;
const grid = buildRoiGrid(digitalPhantomInput(), 1);

/** Non-zero cells of a count matrix as sorted [i, j, n] rows. */
function cells(m: CountMatrix): Rows {
  return Array.from(m.count, (n, c) => [m.level[c], m.column[c], n]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

function sorted(rows: Rows): Rows {
  return rows.map((r) => r.slice()).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

describe('3D texture matrices of the IBSI digital phantom', () => {
  it('GLCM, 13 directions merged, symmetric, distance 1', () => {
    const m = mergeGlcm(DIRECTIONS_3D.map((d) => buildGlcm(grid, d, 1, null)));
    const rows: Rows = [];
    for (let i = 1; i <= 6; i++) for (let j = 1; j <= 6; j++) {
      const n = m.counts[(i - 1) * 6 + (j - 1)];
      if (n !== 0) rows.push([i, j, n]);
    }
    expect(rows).toEqual(sorted(reference.glcm_3d_merged.rows));
  });

  it('GLRLM, 13 directions merged', () => {
    const m = glrlmFamily.merge(DIRECTIONS_3D.map((d) => buildGlrlm(grid, d, null)));
    expect(cells(m)).toEqual(sorted(reference.glrlm_3d_merged.rows));
    expect(m.nVoxels).toBe(13 * 74); // merged N_v is summed over the directions
  });

  it('GLSZM, 26-connected zones', () => {
    const zones = labelZones(grid, false);
    expect(cells(buildGlszm(grid, zones, allZones(zones), 74))).toEqual(sorted(reference.glszm_3d.rows));
  });

  it('GLDZM, distance to the ROI edge with 6-connectivity', () => {
    const zones = labelZones(grid, false);
    const m = buildGldzm(grid, zones, zoneDistances(grid, zones, false), allZones(zones), 74);
    expect(cells(m)).toEqual(sorted(reference.gldzm_3d.rows));
  });

  it('NGTDM, 26-neighbourhood restricted to the ROI', () => {
    const m = buildNgtdm(grid, 1, false)[0];
    const rows: Rows = [];
    for (let i = 1; i <= 6; i++) if (m.n[i] > 0) rows.push([i, m.s[i], m.n[i]]);
    const expected = sorted(reference.ngtdm_3d.rows);
    expect(rows.map((r) => [r[0], r[2]])).toEqual(expected.map((r) => [r[0], r[2]]));
    // s_i is printed with 6 decimals in the manual.
    rows.forEach((r, k) => expect(r[1]).toBeCloseTo(expected[k][1], 5));
  });

  it('NGLDM, distance 1, coarseness 0', () => {
    const m = buildNgldm(grid, 1, 0, false)[0];
    expect(cells(m)).toEqual(sorted(reference.ngldm_3d.rows));
  });
});
