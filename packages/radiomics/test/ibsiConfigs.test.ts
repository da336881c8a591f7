import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFeatureConfig, resolveFeatureConfig } from '../src/index.js';
import { sharedIbsiDir } from './ibsiReference.js';

// Each shipped config is checked setting by setting against the IBSI configuration table
// (../shared/ibsi/ibsi1/ct_phantom_configs.json, transcribed from the IBSI manual).
const here = dirname(fileURLToPath(import.meta.url));
const table = JSON.parse(readFileSync(join(sharedIbsiDir, 'ct_phantom_configs.json'), 'utf8'));
const load = (name: string) => parseFeatureConfig(readFileSync(join(here, '../configs', name), 'utf8'), name);

/** Reads the table's wording ("bilinear (in-plane)", "tricubic spline", …) as a method. */
function methodOf(text: string): string {
  if (/cubic/.test(text)) return 'cubic';
  if (/linear/.test(text)) return 'linear';
  if (/nearest/.test(text)) return 'nearest';
  throw new Error(`unknown interpolation wording ${text}`);
}

function discretisationOf(entry: { method: string; bin_width_hu?: number; bins?: number } | null) {
  if (entry === null) return { method: 'none' };
  return entry.method === 'FBS' ? { method: 'FBS', binWidth: entry.bin_width_hu } : { method: 'FBN', bins: entry.bins };
}

describe.each(['A', 'B', 'C', 'D', 'E'])('IBSI CT configuration %s', (id) => {
  const row = table.configs[id];
  const config = load(`ibsi-config-${id}.json`);
  const resolved = resolveFeatureConfig(config);

  it('is valid against the feature-config schema and computes all eleven families', () => {
    expect(resolved.families.size).toBe(11);
  });
  it('slice-wise or volumetric as the table says', () => {
    expect(resolved.dimensionality).toBe(row.dimensionality);
  });
  it('rounds the NIfTI CT intensities after loading (IBSI: cast to float and round)', () => {
    expect(resolved.roundInputIntensities).toBe(true);
  });
  it('interpolation: spacing, image and ROI methods, rounding and partial-volume threshold', () => {
    if (row.interpolation === null) {
      expect(resolved.interpolation).toBeNull();
      return;
    }
    const interp = resolved.interpolation!;
    expect(interp.spacing).toEqual(row.interpolation.spacing_mm);
    expect(interp.imageMethod).toBe(methodOf(row.interpolation.image));
    expect(interp.maskMethod).toBe(methodOf(row.interpolation.roi));
    expect(interp.intensityRounding).toBe(row.interpolation.intensity_rounding === 'nearest integer' ? 'nearest_integer' : 'none');
    expect(interp.maskThreshold).toBe(row.interpolation.roi_partial_volume_threshold);
    expect(config.interpolation?.gridAlignment).toBe('centre');
  });
  it('re-segmentation range and outlier filtering', () => {
    expect(resolved.resegmentation.range ?? null).toEqual(row.resegmentation_range_hu);
    expect(resolved.resegmentation.outlierSigma ?? null).toBe(row.outlier_filtering === 'mean +/- 3 sd' ? 3 : null);
  });
  it('texture and intensity-histogram discretisation', () => {
    const expected = discretisationOf(row.discretisation_texture_ih);
    expect(resolved.intensityHistogramDiscretisation).toEqual(expected);
    for (const family of ['glcm', 'glrlm', 'glszm', 'gldzm', 'ngtdm', 'ngldm'] as const) {
      expect(resolved.texture[family].discretisation).toEqual(expected);
    }
  });
  it('FBS starts at the lower re-segmentation bound (no other lower bound set)', () => {
    if (row.discretisation_texture_ih.method !== 'FBS') return;
    expect((resolved.intensityHistogramDiscretisation as { lowerBound?: number }).lowerBound).toBeUndefined();
    expect(resolved.resegmentation.range?.[0]).toBe(row.resegmentation_range_hu[0]);
  });
  it('IVH discretisation', () => {
    expect(resolved.ivhDiscretisation).toEqual(
      row.discretisation_ivh === null ? { method: 'none' } : row.discretisation_ivh.method === 'FBS'
        ? { method: 'FBS', binWidth: row.discretisation_ivh.bin_width_hu } : { method: 'FBN', bins: row.discretisation_ivh.bins },
    );
  });
  it('GLCM/NGTDM/NGLDM distance, zone linkage distance, NGLDM coarseness, symmetric Chebyshev GLCM', () => {
    expect(resolved.texture.glcm.distance).toBe(row.glcm_ngtdm_ngldm_distance);
    expect(resolved.texture.ngtdm.distance).toBe(row.glcm_ngtdm_ngldm_distance);
    expect(resolved.texture.ngldm.distance).toBe(row.glcm_ngtdm_ngldm_distance);
    expect(resolved.texture.ngldm.coarseness).toBe(row.ngldm_coarseness_alpha);
    expect(config.texture?.glszm?.linkageDistance).toBe(row.glszm_gldzm_linkage_distance);
    expect(config.texture?.gldzm?.linkageDistance).toBe(row.glszm_gldzm_linkage_distance);
    expect(config.texture?.glcm?.symmetric).toBe(row.glcm_symmetric);
    expect(row.distance_norm).toBe('Chebyshev');
  });
  it('texture aggregations are the ones IBSI lists (2D/2.5D for 2D configs, 3D for 3D configs)', () => {
    const directional = row.dimensionality === '2D' ? ['2D_avg', '2D_comb', '2_5D_avg', '2_5D_comb'] : ['3D_avg', '3D_comb'];
    const zone = row.dimensionality === '2D' ? ['2D', '2_5D'] : ['3D'];
    expect([...resolved.texture.glcm.aggregations].sort()).toEqual(directional);
    expect([...resolved.texture.glrlm.aggregations].sort()).toEqual(directional);
    for (const family of ['glszm', 'gldzm', 'ngtdm', 'ngldm'] as const) expect([...resolved.texture[family].aggregations].sort()).toEqual(zone);
  });
});

describe('IBSI digital phantom configuration', () => {
  const row = table.digital_phantom;
  const resolved = resolveFeatureConfig(load('ibsi-digital-phantom.json'));
  it('no interpolation, no re-segmentation, no discretisation', () => {
    expect(row.resampling).toBeNull();
    expect(resolved.interpolation).toBeNull();
    expect(row.resegmentation).toBeNull();
    expect(resolved.resegmentation).toEqual({ range: undefined, outlierSigma: undefined });
    expect(row.discretisation).toMatch(/^none/);
    expect(resolved.intensityHistogramDiscretisation).toEqual({ method: 'none' });
    expect(resolved.texture.glcm.discretisation).toEqual({ method: 'none' });
    expect(resolved.roundInputIntensities).toBe(false);
  });
  it('distance 1, coarseness 0, every aggregation', () => {
    expect(resolved.texture.glcm.distance).toBe(1);
    expect(resolved.texture.ngtdm.distance).toBe(row.ngtdm_ngldm_distance);
    expect(resolved.texture.ngldm.distance).toBe(row.ngtdm_ngldm_distance);
    expect(resolved.texture.ngldm.coarseness).toBe(row.ngldm_coarseness_alpha);
    expect(resolved.texture.glcm.aggregations.length).toBe(6);
    expect(resolved.texture.glrlm.aggregations.length).toBe(6);
    for (const family of ['glszm', 'gldzm', 'ngtdm', 'ngldm'] as const) expect(resolved.texture[family].aggregations.length).toBe(3);
  });
});

describe('parseFeatureConfig', () => {
  it('reads YAML as well as JSON', () => {
    const c = parseFeatureConfig('discretisation:\n  texture: { method: FBS, binWidth: 25 }\nresegmentation:\n  range: [-500, 400]\n', 'cfg.yaml');
    expect(resolveFeatureConfig(c).texture.glcm.discretisation).toEqual({ method: 'FBS', binWidth: 25 });
  });
  it('names the file and the field of an invalid config', () => {
    expect(() => parseFeatureConfig('{"discretisation": {"texture": {"method": "FBS"}}}', 'bad.json')).toThrow(/bad\.json.*\/discretisation\/texture/s);
    let error: unknown;
    try { parseFeatureConfig('{"interpolation": {"spacing": [1, 1, 1], "maskThreshold": 0}}', 'x.json'); } catch (e) { error = e; }
    expect((error as { code: string }).code).toBe('FEATURE_CONFIG_INVALID');
  });
  it('refuses a 2D config that interpolates across slices', () => {
    expect(() => resolveFeatureConfig(parseFeatureConfig('{"dimensionality": "2D", "interpolation": {"spacing": [2, 2, 2]}}'))).toThrow(/in-plane/);
  });
});
