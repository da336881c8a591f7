import { describe, expect, it } from '@jest/globals';
import { dft } from '../src/filters/fourier.js';
import { applyFilter, FilterConfigError, LAWS_KERNELS, parseFilterSpec, rightAngleRotations, waveletFilters, WAVELET_NAMES } from '../src/index.js';

describe('filter kernels against their closed-form properties', () => {
  it.each(WAVELET_NAMES.map((n) => [n] as const))('%s is an orthonormal filter pair (Daubechies 1992, eq. 5.1.39)', (name) => {
    const { low, high } = waveletFilters(name)!;
    const dot = (a: number[], b: number[], shift: number) => a.reduce((s, v, k) => s + v * (b[k + shift] ?? 0), 0);
    expect(low.reduce((s, v) => s + v, 0)).toBeCloseTo(Math.SQRT2, 12);
    expect(high.reduce((s, v) => s + v, 0)).toBeCloseTo(0, 12);
    for (let shift = 0; shift < low.length; shift += 2) {
      expect(dot(low, low, shift)).toBeCloseTo(shift === 0 ? 1 : 0, 12);
      expect(dot(high, high, shift)).toBeCloseTo(shift === 0 ? 1 : 0, 12);
      expect(dot(low, high, shift)).toBeCloseTo(0, 12);
    }
  });
  it('db2 matches its closed form h = (1+√3, 3+√3, 3−√3, 1−√3)/(4√2) reversed', () => {
    expect(waveletFilters('db2')!.low[3]).toBeCloseTo(0.4829629131445341, 15);
  });
  it('Laws kernels have unit norm and the manual\'s signs', () => {
    for (const k of Object.values(LAWS_KERNELS)) expect(k.reduce((s, v) => s + v * v, 0)).toBeCloseTo(1, 14);
    expect(LAWS_KERNELS.E5.map((v) => Math.sign(v))).toEqual([-1, -1, 0, 1, 1]);
  });
  it('pools over the 24 rotations of the cube and the 4 of the square, all distinct and proper', () => {
    for (const [d, n] of [['3D', 24], ['2D', 4]] as const) {
      const rs = rightAngleRotations(d);
      expect(rs).toHaveLength(n);
      expect(new Set(rs.map((r) => JSON.stringify(r))).size).toBe(n);
    }
  });
  it('the mean filter of a constant image is that constant under every boundary condition but constant (zero) padding', () => {
    const dims = [9, 8, 7] as const;
    const grid = { data: new Float64Array(9 * 8 * 7).fill(3), dims, spacing: [1, 1, 1] as const };
    for (const boundary of ['nearest', 'periodic', 'mirror']) {
      const out = applyFilter(grid, parseFilterSpec({ family: 'mean', boundary, support: 5 }));
      expect(Math.max(...out.map((v) => Math.abs(v - 3)))).toBeLessThan(1e-12);
    }
    const zero = applyFilter(grid, parseFilterSpec({ family: 'mean', boundary: 'constant', support: 5 }));
    expect(zero[0]).toBeCloseTo((3 * 27) / 125, 12); // a corner sees 3 × 3 × 3 of the 5 × 5 × 5 box
  });
  it('the Bluestein DFT of a prime length equals the DFT sum X_k = Σ x_j e^{−2πijk/n}', () => {
    const n = 13;
    const re = Float64Array.from({ length: n }, (_, j) => Math.cos(j * 1.3) + j / 7), im = Float64Array.from({ length: n }, (_, j) => Math.sin(j * 0.4));
    const xr = Float64Array.from(re), xi = Float64Array.from(im);
    dft(re, im);
    for (let k = 0; k < n; k++) {
      let sr = 0, si = 0;
      for (let j = 0; j < n; j++) { const a = (-2 * Math.PI * j * k) / n; sr += xr[j] * Math.cos(a) - xi[j] * Math.sin(a); si += xr[j] * Math.sin(a) + xi[j] * Math.cos(a); }
      expect(re[k]).toBeCloseTo(sr, 10);
      expect(im[k]).toBeCloseTo(si, 10);
    }
  });
  it('a Simoncelli response of a non-2·3·5 grid (Bluestein DFT) has zero mean like its band-pass', () => {
    const dims = [7, 11, 13] as const;
    const data = Float64Array.from({ length: 7 * 11 * 13 }, (_, i) => Math.sin(i * 0.7) * 10 + 50);
    const out = applyFilter({ data, dims, spacing: [1, 1, 1] }, parseFilterSpec({ family: 'simoncelli', boundary: 'periodic', level: 1 }));
    expect(Math.abs(out.reduce((s, v) => s + v, 0) / out.length)).toBeLessThan(1e-9);
  });
});

describe('filter configs refuse what they would otherwise ignore, naming the field', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['family', { family: 'sobel', boundary: 'mirror' }],
    ['boundary', { family: 'mean', support: 5, boundary: 'reflect' }],
    ['support', { family: 'mean', support: 4, boundary: 'mirror' }],
    ['kernel', { family: 'laws', kernel: 'E5L5', boundary: 'mirror' }],
    ['pooling', { family: 'laws', kernel: 'E5L5S5', boundary: 'mirror', pooling: 'max' }],
    ['theta', { family: 'gabor', sigma: 5, lambda: 2, gamma: 1, boundary: 'mirror', rotationInvariance: true, thetaStep: 45, theta: 10 }],
    ['thetaStep', { family: 'gabor', sigma: 5, lambda: 2, gamma: 1, boundary: 'mirror', rotationInvariance: true, thetaStep: 7 }],
    ['subband', { family: 'wavelet', wavelet: 'db2', subband: 'LHX', boundary: 'mirror' }],
    ['wavelet', { family: 'wavelet', wavelet: 'sym9', subband: 'LHL', boundary: 'mirror' }],
    ['riesz', { family: 'riesz_laplacian_of_gaussian', sigma: 3, boundary: 'constant', riesz: [0, 0, 0] }],
    ['sigmaTypo', { family: 'laplacian_of_gaussian', sigma: 3, sigmaTypo: 2, boundary: 'mirror' }],
  ];
  it.each(cases)('%s', (field, raw) => {
    let caught: unknown;
    try { parseFilterSpec(raw, 'cfg.json'); } catch (e) { caught = e; }
    expect(caught).toBeInstanceOf(FilterConfigError);
    expect((caught as FilterConfigError).field).toBe(field);
    expect((caught as Error).message).toContain(`"${field}"`);
    expect((caught as Error).message).toContain('cfg.json');
  });
});

describe('a filter config sent to a site cannot make it spend unbounded time or memory (attacker\'s test)', () => {
  const grid = { data: new Float64Array(16 * 16 * 8), dims: [16, 16, 8] as const, spacing: [1, 1, 3] as const };
  it.each([
    ['support', { family: 'mean', boundary: 'mirror', support: 999_999 }],
    ['sigma', { family: 'gabor', boundary: 'mirror', sigma: 1e7, lambda: 2, gamma: 1, theta: 0 }],
    ['sigma', { family: 'laplacian_of_gaussian', boundary: 'nearest', sigma: 1e6 }],
    ['energyDistance', { family: 'laws', boundary: 'constant', kernel: 'L5E5E5', energyDistance: 1_000_000 }],
  ])('a kernel of absurd size (%s) is refused at once, before any voxel is filtered', (field, raw) => {
    const started = Date.now();
    let caught: unknown;
    try { applyFilter(grid, parseFilterSpec(raw)); } catch (e) { caught = e; }
    expect(caught).toBeInstanceOf(FilterConfigError);
    expect((caught as FilterConfigError).field).toBe(field);
    expect(Date.now() - started).toBeLessThan(1000);
  });
  it('a Gabor orientation step below 1° (hundreds of thousands of convolutions) is refused', () => {
    expect(() => parseFilterSpec({ family: 'gabor', boundary: 'mirror', sigma: 5, lambda: 2, gamma: 1, rotationInvariance: true, thetaStep: 0.001 })).toThrow(/thetaStep.*at most 360/);
  });
});
