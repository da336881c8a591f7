import { describe, expect, it } from '@jest/globals';
import { computeTextureFeatures } from '../src/texture/index.js';
import { ALL_AGGREGATIONS, TEXTURE_FAMILIES, digitalPhantomInput, readReferenceValues, roundTo3 } from './textureFixtures.js';

/**
 * IBSI 1 digital phantom: every texture feature, in every aggregation, that has a reference
 * value in reference_values.csv must match it after rounding to 3 significant digits.
 */
const rows = readReferenceValues().filter((r) => r.dataset === 'digital_phantom' && TEXTURE_FAMILIES.has(r.family) && r.value !== null);
const computed = computeTextureFeatures(digitalPhantomInput(), ALL_AGGREGATIONS);

describe('texture features of the IBSI digital phantom', () => {
  it('covers every texture reference value of the phantom (408 rows)', () => {
    expect(rows.length).toBe(408);
    const missing = rows.filter((r) => !(r.tag in computed)).map((r) => r.tag);
    expect(missing).toEqual([]);
  });

  it.each(rows.map((r) => [r.tag, r.value as number, r.code] as const))('%s = %p (IBSI %s)', (tag, value) => {
    const x = computed[tag];
    if (value === 0) expect(Math.abs(x)).toBeLessThan(1e-12);
    else expect(roundTo3(x)).toBe(roundTo3(value));
  });
});
