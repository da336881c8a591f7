import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IDENTITY_DIRECTION } from '@fedrad/imaging';
import { extractFeatures, parseFeatureConfig } from '../src/index.js';
import { IBSI1, TEXTURE_FAMILIES, readReferenceValues, roundTo3 } from './textureFixtures.js';

/**
 * The texture families reached through the pipeline with the shipped digital-phantom config
 * (discretisation, masks, cropping and the config's texture settings as `fedrad extract` uses
 * them): every texture reference value of the phantom, to 3 significant digits.
 */
const here = dirname(fileURLToPath(import.meta.url));
const phantom = JSON.parse(readFileSync(join(IBSI1, 'digital_phantom/phantom.json'), 'utf8')) as {
  dims_xyz: [number, number, number]; spacing_mm_xyz: [number, number, number]; image_flat: number[]; mask_flat: number[];
};
const volume = (data: Float32Array | Uint8Array) => ({
  data, dims: phantom.dims_xyz, spacing: phantom.spacing_mm_xyz, origin: [0, 0, 0] as [number, number, number], direction: IDENTITY_DIRECTION,
});

describe('texture features of the digital phantom through extractFeatures and the shipped config', () => {
  const shipped = parseFeatureConfig(readFileSync(join(here, '../configs/ibsi-digital-phantom.json'), 'utf8'), 'ibsi-digital-phantom.json');
  const { features } = extractFeatures({
    image: volume(Float32Array.from(phantom.image_flat)),
    mask: volume(Uint8Array.from(phantom.mask_flat)),
    config: { ...shipped, families: [...TEXTURE_FAMILIES] as never },
  });
  const rows = readReferenceValues().filter((r) => r.dataset === 'digital_phantom' && TEXTURE_FAMILIES.has(r.family) && r.value !== null);

  it('covers all 408 texture reference values', () => expect(rows.length).toBe(408));
  it.each(rows.map((r) => [r.tag, r.value as number] as const))('%s = %p', (tag, value) => {
    expect(features[tag]).toBeDefined();
    if (value === 0) expect(Math.abs(features[tag])).toBeLessThan(1e-12);
    else expect(roundTo3(features[tag])).toBe(roundTo3(value));
  });
});
