import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IDENTITY_DIRECTION } from '@fedrad/imaging';
import { extractFeatures, featureCatalogue, parseFeatureConfig } from '../src/index.js';
import { digitalPhantom, referenceValues, round3 } from './ibsiReference.js';

const here = dirname(fileURLToPath(import.meta.url));
const NON_TEXTURE = ['morphology', 'local_intensity', 'intensity_statistics', 'intensity_histogram', 'intensity_volume_histogram'];

describe('IBSI digital phantom through the pipeline with the shipped phantom config', () => {
  const shipped = parseFeatureConfig(readFileSync(join(here, '../configs/ibsi-digital-phantom.json'), 'utf8'), 'ibsi-digital-phantom.json');
  const p = digitalPhantom();
  const volume = (data: Float32Array | Uint8Array) => ({ data, dims: p.dims, spacing: p.spacing, origin: [0, 0, 0] as [number, number, number], direction: IDENTITY_DIRECTION });
  const { features } = extractFeatures({
    image: volume(p.image),
    mask: volume(p.mask),
    config: { ...shipped, families: NON_TEXTURE as never },
  });
  const rows = referenceValues().filter((r) => r.dataset === 'digital_phantom' && NON_TEXTURE.includes(r.family) && r.value !== null);

  it('has a reference row for every benchmarked non-texture feature (25 + 2 + 18 + 23 + 6)', () => {
    expect(rows.length).toBe(74);
  });
  it.each(rows.map((r) => [r.tag, r] as const))('%s rounds to the IBSI value', (tag, r) => {
    expect(features[tag]).toBeDefined();
    expect(round3(features[tag])).toBe(round3(r.value!));
  });
  it('every catalogued non-texture feature carries the IBSI code of the reference table', () => {
    const codes = new Map(referenceValues().filter((r) => r.dataset === 'digital_phantom').map((r) => [r.tag, r.ibsiCode]));
    const catalogue = featureCatalogue().filter((f) => !f.texture);
    expect(catalogue.length).toBe(29 + 2 + 18 + 23 + 7);
    for (const f of catalogue) if (codes.has(f.tag)) expect(f.code).toBe(codes.get(f.tag));
  });
  it('IVH area under the curve equals the trapezoid sum over the manual\'s phantom IVH table', () => {
    // IBSI 1 IVH example table: γ = 0, .2, …, 1 with ν = 74/74, 24/74, 24/74, 23/74, 7/74, 7/74.
    const nu = [74, 24, 24, 23, 7, 7].map((v) => v / 74);
    let auc = 0;
    for (let k = 0; k < 5; k++) auc += 0.2 * (nu[k] + nu[k + 1]) / 2;
    expect(features.ivh_auc).toBeCloseTo(auc, 12);
  });
});
