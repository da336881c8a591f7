import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IDENTITY_DIRECTION } from '@fedrad/imaging';
import { extractFeatures, FILTER_SEPARATOR, parseFeatureConfig, resolveFeatureConfig } from '../src/index.js';

// The IBSI 2 phase 2 configurations 1.A–9.B. The CT phantom they are defined on is not in
// shared/ (its licence is non-commercial), so the values cannot be checked here: the filters are
// verified by phase 1 (ibsi2Phase1.test.ts) and the pipeline's filtered statistics by
// filteredFeatures.test.ts. This checks that each shipped config is valid, runs, and yields exactly
// the 18 tags reference_feature_values_phase2.csv lists for its ID, from one response map.
const here = dirname(fileURLToPath(import.meta.url));
const csv = readFileSync(join(here, '../../../../shared/ibsi/ibsi2/reference_feature_values_phase2.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(';'));
const ids = [...new Set(csv.map((r) => r[0]))];

/** A small CT-like case: 0.98 × 0.98 × 3 mm voxels, soft tissue with a denser lesion and some air. */
function syntheticCt() {
  const dims: [number, number, number] = [28, 28, 8];
  const n = dims[0] * dims[1] * dims[2];
  const image = new Float32Array(n), mask = new Uint8Array(n);
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (let z = 0, i = 0; z < dims[2]; z++) for (let y = 0; y < dims[1]; y++) for (let x = 0; x < dims[0]; x++, i++) {
    const r = Math.hypot((x - 14) * 0.98, (y - 13) * 0.98, (z - 4) * 3);
    image[i] = Math.round((r < 8 ? 40 : x < 4 ? -900 : -60) + 30 * (rand() - 0.5));
    mask[i] = r < 9 ? 1 : 0;
  }
  const geometry = { dims, spacing: [0.98, 0.98, 3] as [number, number, number], origin: [0, 0, 0] as [number, number, number], direction: IDENTITY_DIRECTION };
  return { image: { ...geometry, data: image }, mask: { ...geometry, data: mask } };
}

describe('IBSI 2 phase 2 configurations', () => {
  it('the reference table lists 1.A–9.B', () => expect(ids).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9'].flatMap((k) => [`${k}.A`, `${k}.B`])));
  const ct = syntheticCt();
  it.each(ids.map((id) => [id] as const))('%s: valid, runs, and gives the 18 phase 2 tags of one response map', (id) => {
    const config = parseFeatureConfig(readFileSync(join(here, `../configs/ibsi2-phase2-${id}.json`), 'utf8'), id);
    const resolved = resolveFeatureConfig(config);
    expect(resolved.dimensionality).toBe(id.endsWith('A') ? '2D' : '3D');
    for (const f of resolved.filters) expect(f.dimensionality).toBe(resolved.dimensionality);
    expect(resolved.filters).toHaveLength(id.startsWith('1.') ? 0 : 1);
    const { features } = extractFeatures({ ...ct, config: resolved });
    const tags = Object.keys(features).map((k) => (k.includes(FILTER_SEPARATOR) ? k.slice(k.indexOf(FILTER_SEPARATOR) + FILTER_SEPARATOR.length) : k));
    expect(tags.sort()).toEqual(csv.filter((r) => r[0] === id).map((r) => r[2]).sort());
    expect(new Set(Object.keys(features).map((k) => (k.includes(FILTER_SEPARATOR) ? k.split(FILTER_SEPARATOR)[0] : 'image'))).size).toBe(1);
    for (const v of Object.values(features)) expect(Number.isNaN(v)).toBe(false);
  }, 120_000);
});
