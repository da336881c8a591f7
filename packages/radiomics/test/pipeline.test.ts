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
