import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resampleAxis, resampledAxis } from '../src/preprocess/interpolation.js';
import { discretise, MAX_LEVELS } from '../src/preprocess/discretisation.js';
import { resegment } from '../src/preprocess/resegmentation.js';
import { selectKernels } from '../src/kernels/selectKernels.js';
import { spatialAutocorrelationTs } from '../src/morphology/spatialAutocorrelation.js';
import { localIntensityCoefficientsTs } from '../src/intensity/localIntensity.js';
import { sharedIbsiDir } from './ibsiReference.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(join(here, 'fixtures/preprocessing-scipy.json'), 'utf8'));

describe('interpolation grid (IBSI 1 026Q, QCY4)', () => {
  it('the IBSI worked example: 4 voxels of 3 mm to 2 mm gives 6 points, centres aligned', () => {
    const axis = resampledAxis(4, 3, 2);
    expect(axis.n).toBe(6);
    // x_b,g = ½(n_a − 1 − (s_b/s_a)(n_b − 1)) and the grid is symmetric about the old centre.
    expect(axis.start).toBeCloseTo(0.5 * (3 - (2 / 3) * 5), 12);
    expect(axis.start + (axis.n - 1) * axis.step).toBeCloseTo(3 - axis.start, 12);
  });
  it('CT phantom grid sizes after interpolation equal the IBSI diagnostic values', () => {
    const rows = readFileSync(join(sharedIbsiDir, 'ct_phantom_diagnostics.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    const value = (config: string, tag: string) => Number(rows.find((r) => r[0] === config && r[3] === tag)![4]);
    for (const config of ['config_C', 'config_D', 'config_E']) {
      const init = ['x', 'y', 'z'].map((a) => [value(config, `img_dim_${a}_init_img`), value(config, `vox_dim_${a}_init_img`)]);
      const interp = ['x', 'y', 'z'].map((a) => value(config, `img_dim_${a}_interp_img`));
      // The table rounds 0.9766 mm to 0.977; the size is robust to that.
      init.forEach(([n, s], k) => expect(resampledAxis(n, s, 2).n).toBe(interp[k]));
    }
  });
});

describe('interpolation values against scipy.ndimage.map_coordinates (scripts/fixtures/radiomics/preprocessing_fixture.py)', () => {
  const f = fixture.interpolation;
  const run = (method: 'linear' | 'cubic') => {
    let data: Float64Array = Float64Array.from(f.values as number[]);
    let dims: [number, number, number] = f.dims;
    for (const a of [0, 1, 2] as const) {
      const axis = resampledAxis(f.dims[a], f.spacing[a], f.newSpacing[a]);
      const positions = Float64Array.from({ length: axis.n }, (_, j) => axis.start + j * axis.step);
      ({ data, dims } = resampleAxis(data, dims, a, positions, method));
    }
    expect(dims).toEqual(f.newDims);
    return data;
  };
  it('trilinear, with edge padding beyond the original grid', () => {
    const got = run('linear');
    (f.linear as number[]).forEach((v, i) => expect(got[i]).toBeCloseTo(v, 9));
  });
  it('tricubic B-spline', () => {
    const got = run('cubic');
    (f.cubic as number[]).forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
  });
});

describe('discretisation (IBSI 1 K15C, Q3RU)', () => {
  const mask = Uint8Array.of(1, 1, 1, 1, 0, 1);
  const values = Float64Array.of(-500, -476, -475, 400, 9999, 0);
  it('FBS bins of 25 HU from the lower re-segmentation bound: ⌊(X − X_min)/w⌋ + 1', () => {
    const d = discretise(values, mask, { method: 'FBS', binWidth: 25 }, -500);
    expect(Array.from(d.levels)).toEqual([1, 1, 2, 37, 0, 21]);
    expect(d.nLevels).toBe(37);
  });
  it('FBN: ⌊N_g (X − min)/(max − min)⌋ + 1, and N_g at the maximum', () => {
    const d = discretise(values, mask, { method: 'FBN', bins: 4 }, null);
    // (X + 500)/900·4: 0 → 1, 0.1067 → 1, 0.1111 → 1, 4 → 4 (max), 2.222 → 3
    expect(Array.from(d.levels)).toEqual([1, 1, 1, 4, 0, 3]);
    expect(d.nLevels).toBe(4);
  });
  it('refuses bins and bin widths that cannot discretise, before binning (native and TypeScript loops alike)', () => {
    const v = Float64Array.of(1, 2, 3), all = Uint8Array.of(1, 1, 1);
    for (const x of [v, Array.from(v)]) {
      for (const bins of [3e9, 2.5, 0]) expect(() => discretise(x, all, { method: 'FBN', bins }, null, 'P5')).toThrow(new RegExp(`Case P5.*whole number of bins from 1 to ${MAX_LEVELS}, got`));
      for (const binWidth of [Infinity, 0, -1]) expect(() => discretise(x, all, { method: 'FBS', binWidth }, 0, 'P5')).toThrow(/Case P5.*finite bin width above 0, got/);
    }
    // 'none': levels beyond 65,536 are refused, not wrapped into the Int32Array (2^32 + 2 was level 2).
    expect(() => discretise(Float64Array.of(1, 2 ** 32 + 2), Uint8Array.of(1, 1), { method: 'none' }, null)).toThrow(new RegExp(`integer grey levels from 1 to ${MAX_LEVELS}.*4294967298`));
  });
  it('refuses a discretisation with more than 65,536 grey levels (native and TypeScript loops alike)', () => {
    // 0 … 100,000 HU in bins of 1 HU from 0: 100,001 levels.
    const wide = Float64Array.of(0, 100000), all = Uint8Array.of(1, 1);
    for (const v of [wide, Array.from(wide)]) {
      expect(() => discretise(v, all, { method: 'FBS', binWidth: 1 }, 0, 'P7')).toThrow(new RegExp(`Case P7.*100001 grey levels, more than the ${MAX_LEVELS}`));
    }
    expect(discretise(wide, all, { method: 'FBS', binWidth: 2 }, 0).nLevels).toBe(50001);
  });
  it('refuses FBS below its lower bound and non-integer levels for "none", naming the case', () => {
    expect(() => discretise(values, mask, { method: 'FBS', binWidth: 25, lowerBound: -400 }, null, 'P1')).toThrow(/Case P1.*-400.*-500/);
    expect(() => discretise(values, mask, { method: 'none' }, null)).toThrow(/integer grey levels/);
  });
});

describe('re-segmentation (IBSI 1 USB3, 7ACA)', () => {
  it('range and mean ± 3σ outlier filtering intersect', () => {
    // 20 voxels at 0 and one at 100: μ = 100/21, σ = √(Σ(x−μ)²/21) → 100 lies above μ + 3σ.
    const values = Float64Array.from([...new Array(20).fill(0), 100]);
    const morph = new Uint8Array(21).fill(1);
    const mu = 100 / 21;
    const sd = Math.sqrt((20 * mu * mu + (100 - mu) ** 2) / 21);
    expect(100 > mu + 3 * sd).toBe(true);
    const r = resegment(values, morph, { outlierSigma: 3 });
    expect(r.intensityMask.reduce((s, v) => s + v, 0)).toBe(20);
    expect(r.upper).toBeCloseTo(mu + 3 * sd, 12);
    const both = resegment(values, morph, { range: [-1, 50], outlierSigma: 3 });
    expect(both.lower).toBe(-1);
    expect(both.upper).toBe(50); // min(50, μ + 3σ ≈ 68.6)
    expect(resegment(values, morph, { range: [-1, 200], outlierSigma: 3 }).upper).toBeCloseTo(mu + 3 * sd, 12);
  });
});

describe('all-pairs features against direct O(N²) sums (scripts/fixtures/radiomics/preprocessing_fixture.py)', () => {
  const f = fixture.roi;
  const image = Float32Array.from(f.image as number[]);
  const mask = Uint8Array.from(f.mask as number[]);
  it.each([
    ['native', selectKernels().spatialAutocorrelation],
    ['TypeScript', spatialAutocorrelationTs],
  ])("Moran's I and Geary's C by FFT (%s kernel) equal the double sums over pairs", (_, kernel) => {
    const r = kernel(image, mask, f.dims, f.spacing);
    expect(r.moranI).toBeCloseTo(f.moranI, 10);
    expect(r.gearyC).toBeCloseTo(f.gearyC, 10);
  });
  it.each([
    ['native', selectKernels().localIntensityPeaks],
    ['TypeScript', localIntensityCoefficientsTs],
  ])('local and global intensity peaks by prefix sums (%s kernel) equal direct sphere means', (_, kernel) => {
    const r = kernel({ image, dims: f.dims, spacing: f.spacing, intensityMask: mask });
    expect(r.localPeak).toBeCloseTo(f.localPeak, 10);
    expect(r.globalPeak).toBeCloseTo(f.globalPeak, 10);
  });
});

describe.each([
  ['native', selectKernels().localIntensityPeaks],
  ['TypeScript', localIntensityCoefficientsTs],
])('local intensity with missing voxels (%s kernel)', (_, localIntensityCoefficients) => {
  it('NaN voxels outside the ROI are left out of the sphere mean (closed form)', () => {
    // 3×1×1 image [NaN, 2, 10] at 5 mm spacing, ROI = middle voxel: the 6.2 mm sphere holds all
    // three centres; without the NaN the mean is (2 + 10)/2 = 6.
    const r = localIntensityCoefficients({ image: Float64Array.of(NaN, 2, 10), dims: [3, 1, 1], spacing: [5, 5, 5], intensityMask: Uint8Array.of(0, 1, 0) });
    expect(r.globalPeak).toBe(6);
    expect(r.localPeak).toBe(6);
  });

  it('an empty intensity mask has no peak (NaN), not an error', () => {
    const r = localIntensityCoefficients({ image: Float64Array.of(1, 2, 3), dims: [3, 1, 1], spacing: [5, 5, 5], intensityMask: new Uint8Array(3) });
    expect(r.globalPeak).toBeNaN();
    expect(r.localPeak).toBeNaN();
  });
});
