import { describe, expect, it } from '@jest/globals';
import { canonicalHash, canonicalJson, sha256Hex } from '../src/index.js';

describe('canonical JSON', () => {
  it('sorts keys at every depth and drops whitespace (RFC 8785 example shape)', () => {
    expect(canonicalJson({ b: [3, { z: 1, a: 'x' }], a: null, c: true })).toBe(
      '{"a":null,"b":[3,{"a":"x","z":1}],"c":true}',
    );
  });

  it('prints numbers as ECMAScript does (RFC 8785 section 3.2.2.3)', () => {
    expect(canonicalJson([1e21, 1e-7, 0.1, -0, 333333333.33333329])).toBe('[1e+21,1e-7,0.1,0,333333333.3333333]');
  });

  it('refuses NaN and names where it sits', () => {
    expect(() => canonicalJson({ model: { weights: [1, NaN] } })).toThrow('$.model.weights[1] is NaN');
  });

  it('hashes with SHA-256 (FIPS 180-2 test vector "abc")', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(canonicalHash({ b: 1, a: 2 })).toBe(sha256Hex('{"a":2,"b":1}'));
  });
});
