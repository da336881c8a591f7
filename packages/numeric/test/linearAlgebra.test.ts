import { describe, expect, it } from '@jest/globals';
import { choleskyFactor, choleskySolve, isNotPositiveDefinite, maxAbs, NumericError } from '../src/index.js';

describe('Cholesky', () => {
  it('factors [[4, 2], [2, 3]] as L = [[2, 0], [1, √2]] (by hand: l₁₁ = √4, l₂₁ = 2/2, l₂₂ = √(3 − 1))', () => {
    const l = choleskyFactor([4, 2, 2, 3], 2);
    expect(Array.from(l)).toEqual([2, 0, 1, Math.SQRT2]);
  });

  it('solves H x = g: [[4, 1], [1, 3]] x = [1, 2] gives x = (1/11)[3 −1; −1 4][1; 2] = [1/11, 7/11]', () => {
    const x = choleskySolve([4, 1, 1, 3], [1, 2], 2);
    expect(x[0]).toBeCloseTo(1 / 11, 15);
    expect(x[1]).toBeCloseTo(7 / 11, 15);
  });

  it('refuses a singular matrix, naming the failing pivot', () => {
    // [[1, 2], [2, 4]]: the second pivot is 4 − 2² = 0.
    let thrown: unknown;
    try {
      choleskySolve([1, 2, 2, 4], [1, 1], 2);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(NumericError);
    expect(isNotPositiveDefinite(thrown)).toBe(true);
    expect((thrown as NumericError).detail).toEqual({ pivot: 1, size: 2 });
  });

  it('maxAbs is the ∞-norm', () => {
    expect(maxAbs([1, -3.5, 2])).toBe(3.5);
    expect(maxAbs([])).toBe(0);
  });
});
