import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IDENTITY_DIRECTION } from '@fedrad/imaging';
import { extractFeatures, EmptyRoiError, GridMismatchError } from '../src/index.js';
import { digitalPhantom } from './ibsiReference.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(join(here, 'fixtures/preprocessing-scipy.json'), 'utf8'));
const p = digitalPhantom();
const volume = (data: Float32Array | Uint8Array, dims = p.dims) => ({ data, dims, spacing: p.spacing, origin: [0, 0, 0] as [number, number, number], direction: IDENTITY_DIRECTION });
const FAMILIES = ['intensity_statistics'] as never;

interface InterpolationCase {
  spacing: [number, number, number | null];
  method: 'linear' | 'cubic';
  dims: number[];
  roiVoxels: number;
  mean: number;
  max: number;
}
const cases = fixture.phantomInterpolation as InterpolationCase[];

describe('pipeline interpolation against scipy on the IBSI phantom (preprocessing_fixture.py)', () => {
  it.each(cases.map((c) => [JSON.stringify(c.spacing), c.method, c] as const))(
    'spacing %s, image %s, mask linear ≥ 0.5, intensities rounded',
    (_s: string, _m: string, c: InterpolationCase) => {
      const { features, diagnostics } = extractFeatures({
        image: volume(p.image),
        mask: volume(p.mask),
        config: {
          families: FAMILIES,
          interpolation: { spacing: c.spacing, imageMethod: c.method, intensityRounding: 'nearest_integer', maskMethod: 'linear', maskThreshold: 0.5 },
        },
      });
      expect(diagnostics.morph_mask_vox_count_reseg_roi).toBe(c.roiVoxels);
      expect(features.stat_mean).toBeCloseTo(c.mean, 10);
      expect(features.stat_max).toBe(c.max);
      c.spacing.forEach((s, a) => {
        if (s !== null) expect(diagnostics[`img_dim_${'xyz'[a]}_interp_img`]).toBe(c.dims[a]);
      });
    },
  );
});

describe('IBSI diagnostic values', () => {
  it('initial ROI of the phantom: the sanity values of phantom.json (74 voxels, mean 2.1486, 5×4×4 box)', () => {
    const sanity = JSON.parse(readFileSync(join(here, '../../../../shared/ibsi/ibsi1/digital_phantom/phantom.json'), 'utf8')).sanity;
    const { diagnostics } = extractFeatures({ image: volume(p.image), mask: volume(p.mask), config: { families: FAMILIES } });
    expect(diagnostics.int_mask_vox_count_init_roi).toBe(sanity.roi_voxel_count);
    expect(diagnostics.int_mask_mean_int_init_roi).toBeCloseTo(sanity.roi_mean, 10);
    expect([diagnostics.morph_mask_bb_dim_x_init_roi, diagnostics.morph_mask_bb_dim_y_init_roi, diagnostics.morph_mask_bb_dim_z_init_roi]).toEqual(p.dims);
    expect(diagnostics.img_dim_x_init_img).toBe(5);
  });
  it('re-segmentation keeps the morphological mask and shrinks the intensity mask', () => {
    // Phantom grey levels in the ROI: 50 × 1, 1 × 3, 16 × 4, 7 × 6 (phantom.json); [2, 5] keeps 17.
    const { diagnostics } = extractFeatures({ image: volume(p.image), mask: volume(p.mask), config: { families: FAMILIES, resegmentation: { range: [2, 5] } } });
    expect(diagnostics.morph_mask_vox_count_reseg_roi).toBe(74);
    expect(diagnostics.int_mask_vox_count_reseg_roi).toBe(17);
    expect(diagnostics.int_mask_min_int_reseg_roi).toBe(3);
    expect(diagnostics.int_mask_max_int_reseg_roi).toBe(4);
  });
});

describe('pipeline errors name the case and what to check', () => {
  it('image and mask grids differ', () => {
    expect(() => extractFeatures({ image: volume(p.image), mask: volume(new Uint8Array(40), [5, 4, 2]), caseId: 'P7' }))
      .toThrow(GridMismatchError);
    expect(() => extractFeatures({ image: volume(p.image), mask: volume(new Uint8Array(40), [5, 4, 2]), caseId: 'P7' }))
      .toThrow(/Case P7: image grid 5×4×4 and mask grid 5×4×2 differ/);
  });
  it('empty mask', () => {
    expect(() => extractFeatures({ image: volume(p.image), mask: volume(new Uint8Array(80)), caseId: 'P8' })).toThrow(EmptyRoiError);
  });
  it('a ROI that interpolation leaves without grid points is an empty ROI, not an addon argument error', () => {
    // 60³ voxels of 1 mm resampled to 30 mm: points at 14.5 and 44.5 mm per axis, none inside the
    // work box (19–41) around a one-voxel ROI at 30, so every axis of the box has no points (the
    // native box scan was once handed that 0-length grid and threw a RangeError).
    const image = { data: new Float32Array(216000).fill(5), dims: [60, 60, 60] as [number, number, number], spacing: [1, 1, 1] as [number, number, number], origin: [0, 0, 0] as [number, number, number], direction: IDENTITY_DIRECTION };
    const roi = new Uint8Array(216000);
    roi[30 + 60 * (30 + 60 * 30)] = 1;
    const run = () => extractFeatures({ image, mask: { ...image, data: roi }, caseId: 'P10', config: { families: FAMILIES, interpolation: { spacing: [30, 30, 30] } } });
    expect(run).toThrow(EmptyRoiError);
    expect(run).toThrow(/Case P10: .*interpolation/);
  });
  it('no voxel left after re-segmentation: the message points at the range and the units', () => {
    let error: unknown;
    try {
      extractFeatures({ image: volume(p.image), mask: volume(p.mask), caseId: 'P9', config: { resegmentation: { range: [100, 200] } } });
    } catch (e) { error = e; }
    expect(error).toBeInstanceOf(EmptyRoiError);
    expect((error as EmptyRoiError).code).toBe('ROI_EMPTY');
    expect((error as Error).message).toMatch(/Case P9: .*re-segmentation range/);
  });
});
