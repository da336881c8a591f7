import { describe, expect, it } from '@jest/globals';
import { mulberry32, SeededRandom } from '../src/index.js';

describe('seeded generators', () => {
  it('SeededRandom: the same seed gives the same stream, another seed another; nextInt stays in [0, n)', () => {
    const a = new SeededRandom(9);
    const b = new SeededRandom(9);
    const c = new SeededRandom(10);
    const sa = Array.from({ length: 50 }, () => a.nextUint32());
    expect(Array.from({ length: 50 }, () => b.nextUint32())).toEqual(sa);
    expect(Array.from({ length: 50 }, () => c.nextUint32())).not.toEqual(sa);
    const d = new SeededRandom(1);
    for (let k = 0; k < 1000; k++) {
      const v = d.nextInt(7);
      expect(Number.isInteger(v) && v >= 0 && v < 7).toBe(true);
    }
  });

  it('mulberry32: uniform in [0, 1), reproducible from its seed, mean near ½', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 10000 }, () => a());
    expect(Array.from({ length: 10000 }, () => b())).toEqual(xs);
    expect(xs.every((v) => v >= 0 && v < 1)).toBe(true);
    // 10 000 uniforms: sd of the mean √(1/12/10000) ≈ 0.0029
    expect(Math.abs(xs.reduce((s, v) => s + v, 0) / xs.length - 0.5)).toBeLessThan(0.015);
  });
});
