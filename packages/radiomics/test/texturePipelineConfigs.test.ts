import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IDENTITY_DIRECTION } from '@fedrad/imaging';
import { extractFeatures, parseFeatureConfig } from '../src/index.js';
import { TEXTURE_FAMILIES, readReferenceValues } from './textureFixtures.js';
import { mulberry32 } from '@fedrad/numeric';

/**
 * The shipped CT configurations A–E, run through the pipeline on a seeded CT-like volume with
 * the CT phantom's voxel spacing (the phantom itself is not available here): each must produce
 * every texture tag that IBSI lists for it in reference_values.csv, as a finite number.
 */
const here = dirname(fileURLToPath(import.meta.url));

const random = mulberry32;

function ctLikeCase() {
  const dims: [number, number, number] = [28, 26, 9];
  const spacing: [number, number, number] = [0.977, 0.977, 3];
  const rnd = random(424242);
  const image = new Float32Array(dims[0] * dims[1] * dims[2]);
  const mask = new Uint8Array(image.length);
  for (let z = 0; z < dims[2]; z++) for (let y = 0; y < dims[1]; y++) for (let x = 0; x < dims[0]; x++) {
    const k = x + dims[0] * (y + dims[1] * z);
    const r2 = ((x - 13.5) / 9) ** 2 + ((y - 12.5) / 8) ** 2 + ((z - 4) / 3.2) ** 2;
    // Lung-like background, a soft-tissue lesion with texture, a few voxels outside [-500, 400] HU.
    image[k] = Math.round(r2 <= 1 ? 20 + 60 * Math.sin(x / 2) * Math.cos(y / 3) + 40 * rnd() + (rnd() < 0.03 ? 700 : 0) : -800 + 50 * rnd());
    mask[k] = r2 <= 1 ? 1 : 0;
  }
  const volume = <T extends Float32Array | Uint8Array>(data: T) => ({ data, dims, spacing, origin: [0, 0, 0] as [number, number, number], direction: IDENTITY_DIRECTION });
  return { image: volume(image), mask: volume(mask) };
}

describe('shipped CT configurations produce every texture feature IBSI lists for them', () => {
  const { image, mask } = ctLikeCase();
  it.each(['A', 'B', 'C', 'D', 'E'])('configuration %s', (name) => {
    const file = `ibsi-config-${name}.json`;
    const config = parseFeatureConfig(readFileSync(join(here, '../configs', file), 'utf8'), file);
    const { features } = extractFeatures({ image, mask, config: { ...config, families: [...TEXTURE_FAMILIES] as never } });
    const tags = readReferenceValues().filter((r) => r.dataset === `config_${name}` && TEXTURE_FAMILIES.has(r.family)).map((r) => r.tag);
    expect(tags.length).toBe(name === 'A' || name === 'B' ? 272 : 136);
    expect(tags.filter((t) => !Number.isFinite(features[t]))).toEqual([]);
  });
});
