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

describe('canonical JSON of tensors', () => {
  it('prints typed and plain number arrays as JSON.stringify does (ECMAScript Number::toString)', () => {
    const values = [0.1, -0, 1e21, 1e-7, 5e-324, -1.7976931348623157e308, 123456789.123, 1 / 3];
    expect(canonicalJson({ data: values })).toBe('{"data":' + JSON.stringify(values) + '}');
    expect(canonicalJson(new Float64Array(values))).toBe(JSON.stringify(values));
    expect(canonicalJson(new Int16Array([-3, 7]))).toBe('[-3,7]');
  });

  it('still finds a NaN inside a long tensor', () => {
    const data = new Array(1000).fill(0.5);
    data[777] = NaN;
    expect(() => canonicalJson({ tensors: [{ data }] })).toThrow('$.tensors[0].data[777] is NaN');
  });
});

describe('canonical JSON with substitutions', () => {
  it('prints a marked array as the given text and everything else canonically', () => {
    const data = [1, 2, 3];
    const doc = { z: 1, t: { data, name: 'g' } };
    expect(canonicalJson(doc, { substitute: new Map([[data, '"@0"']]) })).toBe('{"t":{"data":"@0","name":"g"},"z":1}');
  });
  it('names a function and an Infinity by path', () => {
    expect(() => canonicalJson({ a: [{ b: () => 1 }] })).toThrow('$.a[0].b is a function');
    expect(() => canonicalJson({ a: { b: -Infinity } })).toThrow('$.a.b is -Infinity');
  });

  it('refuses a Set or a Map by path (JSON would write each as {}, so two different ones would hash alike)', () => {
    // JSON.stringify's own behaviour, which the refusal exists to avoid.
    expect(JSON.stringify({ families: new Set(['glcm']) })).toBe('{"families":{}}');
    expect(() => canonicalJson({ config: { families: new Set(['glcm']) } })).toThrow('$.config.families is a Set');
    expect(() => canonicalJson([new Map([['a', 1]])])).toThrow('$[0] is a Map');
  });
});
