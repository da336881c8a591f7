import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { isPackedTensor, packedValueCount, packTensor, PackedTensorError, unpackTensor, validate, type ModelUpdate, type PackedTensor } from '../src/index.js';

// IEEE 754: 1.0 is 0x3FF0000000000000, little-endian bytes 00 00 00 00 00 00 F0 3F.
const ONE = Buffer.from([0, 0, 0, 0, 0, 0, 0xf0, 0x3f]).toString('base64');
// Written by Python (struct.pack('<3d', 0.5, -1.25, 2.0), base64.b64encode) when the example was made.
const example = JSON.parse(readFileSync(new URL('../../../protocols/examples/model-update/valid-packed.json', import.meta.url), 'utf8')) as ModelUpdate;

describe('packed tensors', () => {
  it('packs to the little-endian IEEE 754 bytes', () => {
    expect(packTensor({ name: 'b', shape: [1], data: [1] }).f64le).toBe(ONE);
    expect(packTensor({ name: 'coef', shape: [3], data: [0.5, -1.25, 2] })).toEqual(example.tensors[0]);
  });

  it('unpacks what another writer packed, and counts values from the text alone', () => {
    const t = example.tensors[0] as PackedTensor;
    expect(isPackedTensor(t)).toBe(true);
    expect(Array.from(unpackTensor(t).data)).toEqual([0.5, -1.25, 2]);
    expect(packedValueCount(t)).toBe(3);
    expect(packedValueCount({ name: 'x', shape: [1], f64le: 'AAAA' })).toBe(-1);
    expect(validate('model-update', example).valid).toBe(true);
  });

  it('round-trips every double exactly, including -0, subnormals and extremes', () => {
    const values = [-0, 5e-324, Number.MAX_VALUE, -Number.MIN_VALUE, Math.PI, 1 / 3, -123456.789];
    const back = unpackTensor(packTensor({ name: 'v', shape: [values.length], data: values })).data;
    values.forEach((v, i) => expect(Object.is(back[i], v)).toBe(true));
  });

  it('refuses a length that disagrees with the shape, and non-canonical base64', () => {
    expect(() => unpackTensor({ name: 'coef', shape: [2], f64le: ONE })).toThrow(/8 bytes, its shape \[2\] needs 16/);
    expect(() => unpackTensor({ name: 'coef', shape: [1], f64le: ONE.replace('=', '') })).toThrow(PackedTensorError);
    expect(() => unpackTensor({ name: 'coef', shape: [1], f64le: ` ${ONE}` })).toThrow(/not canonical base64/);
  });
});
