import { describe, expect, it } from '@jest/globals';
import * as ort from 'onnxruntime-node';

describe('onnxruntime-node under jest', () => {
  it('accepts typed arrays made in the test sandbox', () => {
    const t = new ort.Tensor('float32', new Float32Array([1, 2, 3]), [3]);
    expect(t.dims).toEqual([3]);
  });
});
