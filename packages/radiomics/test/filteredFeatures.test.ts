import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNifti } from '@fedrad/imaging';
import { extractFeatures, FeatureConfigError, parseFeatureConfig, resolveFeatureConfig } from '../src/index.js';

// Filtered features through the pipeline, checked against the IBSI 2 phase 1 consensus response
// maps (shared/ibsi/ibsi2): the statistics of the response over an ROI must be those of the
// reference map's voxels in that ROI. The ROI touches the image's edge, so the filter must have
// run over the whole image with the config's boundary condition, not over a crop around the ROI.
const here = dirname(fileURLToPath(import.meta.url));
const ibsi2 = join(here, '../../../../shared/ibsi/ibsi2');
const phase1 = (id: string) => JSON.parse(readFileSync(join(here, '../configs/ibsi2-phase1', `${id}.json`), 'utf8'));

/** mean, min, max and (population) variance of the reference map over the ROI, computed here. */
function referenceStats(map: Float32Array, roi: Uint8Array) {
  const v: number[] = [];
  for (let i = 0; i < roi.length; i++) if (roi[i]) v.push(map[i]);
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  let lo = Infinity, hi = -Infinity;
  for (const x of map) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
  return { mean, min: Math.min(...v), max: Math.max(...v), var: v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length, range: hi - lo };
}

describe('features of response maps in the pipeline', () => {
  it.each(['1.a.4', '3.b.3', '7.a.2', '8.a.2', '2.c', '4.b.1', '6.a.2', '3.c.3'])('%s: statistics of the response over an edge ROI match the IBSI 2 reference map', (id) => {
    const c = phase1(id);
    const image = readNifti(join(ibsi2, 'digital_phantoms', `${c.phantom}.nii.gz`));
    const reference = readNifti(join(ibsi2, 'reference_response_maps', c.reference));
    const [nx, ny, nz] = image.dims;
    const roi = new Uint8Array(nx * ny * nz);
    for (let z = 0; z < 20; z++) for (let y = 10; y < 40; y++) for (let x = 0; x < 25; x++) roi[x + nx * (y + ny * z)] = 1;
    const { features } = extractFeatures({
      image, mask: { ...image, data: roi },
      config: { families: ['morphology'], filters: [c.filter], filteredFamilies: ['intensity_statistics'] },
    });
    const label = Object.keys(features).find((k) => k.endsWith('__stat_mean'))!.replace('__stat_mean', '');
    const ref = referenceStats(reference.data as Float32Array, roi);
    const tol = 0.01 * ref.range;
    expect(Math.abs(features[`${label}__stat_mean`] - ref.mean)).toBeLessThan(tol);
    expect(Math.abs(features[`${label}__stat_min`] - ref.min)).toBeLessThan(tol);
    expect(Math.abs(features[`${label}__stat_max`] - ref.max)).toBeLessThan(tol);
    expect(Math.abs(Math.sqrt(features[`${label}__stat_var`]) - Math.sqrt(ref.var))).toBeLessThan(tol);
    // the unfiltered families are computed once, on the image
    expect(features.morph_vol_approx).toBe(20 * 30 * 25 * 8);
    expect(Object.keys(features).some((k) => k.startsWith(`${label}__morph_`))).toBe(false);
  }, 60_000);

  it('names the features of two filters apart, by family and parameters', () => {
    const image = readNifti(join(ibsi2, 'digital_phantoms/sphere.nii.gz'));
    const mask = readNifti(join(ibsi2, 'digital_phantoms/mask.nii.gz'));
    const { features } = extractFeatures({
      image, mask,
      config: { families: [], filters: [{ family: 'mean', boundary: 'nearest', support: 3 }, { family: 'laplacian_of_gaussian', boundary: 'mirror', sigma: 1.5 }] },
    });
    expect(Object.keys(features).filter((k) => k.startsWith('mean3d_m3_nearest__stat_'))).toHaveLength(18);
    expect(Object.keys(features).filter((k) => k.startsWith('log3d_s1p5_mirror__stat_'))).toHaveLength(18);
  }, 60_000);

  it('refuses a bad filter in a feature config naming filters[i].field, and morphology of a response map', () => {
    const bad = () => resolveFeatureConfig(parseFeatureConfig(JSON.stringify({ filters: [{ family: 'mean', boundary: 'mirror', support: 4 }] }), 'cfg.json'));
    expect(bad).toThrow(FeatureConfigError);
    expect(bad).toThrow('filters[0].support');
    expect(() => parseFeatureConfig(JSON.stringify({ filters: [{ family: 'mean', boundary: 'mirror', support: 5, radius: 2 }] }), 'cfg.json')).toThrow(/radius/);
    expect(() => resolveFeatureConfig({ filters: [{ family: 'mean', boundary: 'mirror', support: 5 }], filteredFamilies: ['morphology'] })).toThrow('morphology');
    expect(() => resolveFeatureConfig({ filteredFamilies: ['glcm'] })).toThrow('no filters');
  });
});
