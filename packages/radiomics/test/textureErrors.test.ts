import { describe, expect, it } from '@jest/globals';
import { TextureInputError, computeTextureFeatures } from '../src/texture/index.js';
import { ALL_AGGREGATIONS, digitalPhantomInput } from './textureFixtures.js';

/** A broken hand-over between discretisation and the texture families fails with a typed error. */
function thrown(f: () => unknown): TextureInputError {
  try {
    f();
  } catch (e) {
    if (e instanceof TextureInputError) return e;
    throw e;
  }
  throw new Error('expected a TextureInputError');
}

describe('texture input errors', () => {
  it('refuses a grey level outside 1..Ng inside the mask and says where', () => {
    const input = digitalPhantomInput();
    input.levels[7] = 9;
    const e = thrown(() => computeTextureFeatures(input, ALL_AGGREGATIONS));
    expect(e.code).toBe('TEXTURE_INPUT_INVALID');
    expect(e.field).toBe('levels');
    expect(e.message).toContain('1..6');
    expect(e.message).toContain('(2, 1, 0)');
  });

  it('refuses arrays whose length does not match the dimensions', () => {
    const input = { ...digitalPhantomInput(), dims: [5, 4, 3] as [number, number, number] };
    expect(thrown(() => computeTextureFeatures(input, ALL_AGGREGATIONS)).field).toBe('levels');
  });

  it('refuses an empty mask', () => {
    const input = digitalPhantomInput();
    input.mask.fill(0);
    expect(thrown(() => computeTextureFeatures(input, ALL_AGGREGATIONS)).message).toContain('empty mask');
  });

  it('refuses a non-integer or non-positive distance and a negative coarseness', () => {
    const input = digitalPhantomInput();
    expect(thrown(() => computeTextureFeatures(input, { glcm: { aggregations: ['3D_comb'], distance: 0 } })).field).toBe('glcm.distance');
    expect(thrown(() => computeTextureFeatures(input, { ngtdm: { aggregations: ['3D'], distance: 1.5 } })).field).toBe('ngtdm.distance');
    expect(thrown(() => computeTextureFeatures(input, { ngldm: { aggregations: ['3D'], distance: 1, coarseness: -1 } })).field).toBe('ngldm.coarseness');
  });
});
