import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IDENTITY_DIRECTION } from '@fedrad/imaging';
import { extractFeatures, parseFeatureConfig } from '../src/index.js';
import { sharedIbsiDir } from './ibsiReference.js';

/**
 * The shipped CT configurations A–E on a synthetic CT with the IBSI CT phantom's geometry, read
 * from ct_phantom_diagnostics.csv (initial image: 204×201×60 voxels of 0.977×0.977×3 mm). The
 * phantom itself is not available, but the interpolation grid depends on the geometry only, so:
 *  - the interpolated grid size and spacing must equal IBSI's diagnostic table;
 *  - the ROI, a box of the GTV's initial bounding box (100×99×26 voxels, same table), and the
 *    intensities, a linear HU ramp, have closed-form interpolated values: trilinear interpolation
 *    reproduces a ramp and a box mask is a product of 1D hat profiles. The expected values come
 *    from IBSI's grid formulas (026Q: n_b = ⌈n_a s_a / s_b⌉; QCY4: first point at
 *    ½(n_a − 1 − (s_b/s_a)(n_b − 1)) in original grid coordinates), the partial-volume threshold
 *    δ = 0.5 (E8H9) and rounding to the nearest integer (68QD), evaluated here independently of the
 *    pipeline's cropped, axis-by-axis resampling.
 */

const here = dirname(fileURLToPath(import.meta.url));

interface DiagnosticRow { value: number; tolerance: number }

/** ct_phantom_diagnostics.csv as dataset → tag → row (no field holds a comma). */
function diagnosticsTable(): Map<string, Map<string, DiagnosticRow>> {
  const lines = readFileSync(join(sharedIbsiDir, 'ct_phantom_diagnostics.csv'), 'utf8').split(/\r?\n/).filter((l) => l);
  const header = lines[0].split(',');
  const col = (name: string) => header.indexOf(name);
  const out = new Map<string, Map<string, DiagnosticRow>>();
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    const dataset = f[col('dataset')];
    if (!out.has(dataset)) out.set(dataset, new Map());
    out.get(dataset)!.set(f[col('tag')], { value: Number(f[col('value')]), tolerance: Number(f[col('tolerance')]) });
  }
  return out;
}

const table = diagnosticsTable();
const XYZ = ['x', 'y', 'z'] as const;
const tableA = table.get('config_A')!;
const dims = XYZ.map((a) => tableA.get(`img_dim_${a}_init_img`)!.value) as [number, number, number];
const spacing = XYZ.map((a) => tableA.get(`vox_dim_${a}_init_img`)!.value) as [number, number, number];
const boxSize = XYZ.map((a) => tableA.get(`morph_mask_bb_dim_${a}_init_roi`)!.value) as [number, number, number];

// Box corner. An odd first slice puts the box's lower and upper faces (z0 − ½, z0 + 25½) on points of
// the 2 mm grid, which lie at 2j + ½ in slice coordinates: there the interpolated mask is exactly
// 0.5, and δ = 0.5 keeps them. That is how IBSI's table reaches 40 slices (78 mm / 2 mm = 39 steps,
// 40 points); a pipeline that lost 0.4999… there (the manual's warning) would report 38 or 39.
const corner: [number, number, number] = [51, 51, 17];
/** HU = 2x + y + 2z − 250 in voxel indices: −45…+327 in the box, inside every re-segmentation range. */
const SLOPE: [number, number, number] = [2, 1, 2];
const OFFSET = -250;

function syntheticCt() {
  const [nx, ny, nz] = dims;
  const image = new Float32Array(nx * ny * nz);
  const mask = new Uint8Array(image.length);
  for (let z = 0, i = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++, i++) {
    image[i] = SLOPE[0] * x + SLOPE[1] * y + SLOPE[2] * z + OFFSET;
    const p = [x, y, z];
    mask[i] = p.every((v, a) => v >= corner[a] && v < corner[a] + boxSize[a]) ? 1 : 0;
  }
  const volume = <T extends Float32Array | Uint8Array>(data: T) => ({ data, dims, spacing, origin: [0, 0, 0] as [number, number, number], direction: IDENTITY_DIRECTION });
  return { image: volume(image), mask: volume(mask) };
}

/** Grid points of one axis (original grid coordinates) and the box mask's 1D hat profile there. */
function axisGrid(a: 0 | 1 | 2, target: number | null): { n: number; positions: number[]; weights: number[] } {
  const n = dims[a];
  const positions: number[] = [];
  let nb = n;
  if (target === null) {
    for (let k = 0; k < n; k++) positions.push(k);
  } else {
    nb = Math.ceil((n * spacing[a]) / target); // 026Q
    const step = target / spacing[a];
    const first = 0.5 * (n - 1 - step * (nb - 1)); // QCY4
    for (let k = 0; k < nb; k++) positions.push(first + k * step);
  }
  const lo = corner[a], hi = corner[a] + boxSize[a] - 1;
  // Linear interpolation of the 0/1 box profile: 1 inside [lo, hi], falling to 0 one voxel outside.
  const weights = positions.map((p) => Math.max(0, Math.min(1, p - (lo - 1), hi + 1 - p)));
  return { n: nb, positions, weights };
}

/** Interpolated ROI (product of the hat profiles ≥ δ) and its rounded ramp intensities, enumerated. */
function expectedRoi(spacingTarget: [number | null, number | null, number | null] | null) {
  const grids = ([0, 1, 2] as const).map((a) => axisGrid(a, spacingTarget ? spacingTarget[a] : null));
  const lit = grids.map((g) => g.weights.map((w, k) => [k, w] as const).filter(([, w]) => w > 0));
  let count = 0, sum = 0, min = Infinity, max = -Infinity;
  const bbLo = [Infinity, Infinity, Infinity], bbHi = [-Infinity, -Infinity, -Infinity];
  for (const [k, wz] of lit[2]) for (const [j, wy] of lit[1]) {
    const huYZ = SLOPE[1] * grids[1].positions[j] + SLOPE[2] * grids[2].positions[k] + OFFSET;
    for (const [i, wx] of lit[0]) {
      // Exact halves (0.5 · 1 · 1 at a face on a grid point) count as inside: δ = 0.5 is inclusive.
      if (wx * wy * wz < 0.5 - 1e-12) continue;
      const hu = Math.round(SLOPE[0] * grids[0].positions[i] + huYZ);
      count++;
      sum += hu;
      if (hu < min) min = hu;
      if (hu > max) max = hu;
      const ijk = [i, j, k];
      for (let a = 0; a < 3; a++) {
        if (ijk[a] < bbLo[a]) bbLo[a] = ijk[a];
        if (ijk[a] > bbHi[a]) bbHi[a] = ijk[a];
      }
    }
  }
  return { gridDims: grids.map((g) => g.n), count, mean: sum / count, min, max, bb: bbLo.map((l, a) => bbHi[a] - l + 1) };
}

const withinTolerance = (value: number, row: DiagnosticRow) => Math.abs(value - row.value) <= row.tolerance + 1e-9;

describe('CT configurations A–E on the CT phantom geometry: interpolation grid and ROI diagnostics', () => {
  const { image, mask } = syntheticCt();

  it('the synthetic case has the initial geometry and ROI box of IBSI\'s table', () => {
    expect(dims).toEqual([204, 201, 60]);
    expect(spacing).toEqual([0.977, 0.977, 3]);
    expect(boxSize).toEqual([100, 99, 26]);
  });

  it.each(['A', 'B', 'C', 'D', 'E'])('configuration %s', (id) => {
    const file = `ibsi-config-${id}.json`;
    const config = parseFeatureConfig(readFileSync(join(here, '../configs', file), 'utf8'), file);
    const rows = table.get(`config_${id}`)!;
    const { diagnostics, features } = extractFeatures({ image, mask, config: { ...config, families: ['intensity_statistics'] }, caseId: `synthetic-${id}` });
    const target = config.interpolation ? (config.interpolation.spacing as [number, number, number | null]) : null;
    const expected = expectedRoi(target);

    XYZ.forEach((a, k) => {
      // Interpolated image grid: IBSI's table (tolerances from the table) and the closed form.
      const dim = diagnostics[`img_dim_${a}_interp_img`];
      expect({ axis: a, dim, ok: withinTolerance(dim, rows.get(`img_dim_${a}_interp_img`)!) }).toEqual({ axis: a, dim, ok: true });
      expect(dim).toBe(expected.gridDims[k]);
      expect(diagnostics[`vox_dim_${a}_interp_img`]).toBe(rows.get(`vox_dim_${a}_interp_img`)!.value);
      // Interpolated ROI box: the closed form, which for this placement is the table's.
      const bb = diagnostics[`morph_mask_bb_dim_${a}_interp_roi`];
      expect(bb).toBe(expected.bb[k]);
      expect({ axis: a, bb, ok: withinTolerance(bb, rows.get(`morph_mask_bb_dim_${a}_interp_roi`)!) }).toEqual({ axis: a, bb, ok: true });
    });

    expect(diagnostics.morph_mask_vox_count_interp_roi).toBe(expected.count);
    expect(diagnostics.int_mask_vox_count_interp_roi).toBe(expected.count);
    // The ramp stays inside every configuration's range and within μ ± 3σ (a near-uniform
    // distribution reaches at most √3 σ), so re-segmentation keeps every voxel.
    expect(diagnostics.int_mask_vox_count_reseg_roi).toBe(expected.count);
    expect(diagnostics.int_mask_min_int_reseg_roi).toBe(expected.min);
    expect(diagnostics.int_mask_max_int_reseg_roi).toBe(expected.max);
    expect(diagnostics.int_mask_mean_int_reseg_roi).toBeCloseTo(expected.mean, 6);
    expect(features.stat_mean).toBeCloseTo(expected.mean, 6);
  });
});
