import { describe, expect, it } from '@jest/globals';
import { l1Part, ridgePart, softThreshold } from '../src/index.js';

describe('proximal operators and the elastic net', () => {
  it('soft-thresholding S(z, t) = sign(z) max(|z| − t, 0)', () => {
    expect([softThreshold(3, 1), softThreshold(-3, 1), softThreshold(0.5, 1), softThreshold(-1, 1)]).toEqual([2, -2, 0, 0]);
  });

  it('the penalty parts count only penalised coordinates: λ(1−α)/2 ‖θ‖² and λα ‖θ‖₁', () => {
    const pen = { lambda: 2, alpha: 0.25, penalized: [true, false, true] };
    const theta = [1, 10, -2];
    const gradient = new Float64Array(3);
    // ridge weight 2 · 0.75 = 1.5: ½ · 1.5 · (1 + 4) = 3.75, gradient 1.5 θ on penalised k
    expect(ridgePart(pen, theta, gradient)).toBeCloseTo(3.75, 15);
    expect(Array.from(gradient)).toEqual([1.5, 0, -3]);
    // lasso weight 2 · 0.25 = 0.5: 0.5 · (1 + 2) = 1.5
    expect(l1Part(pen, theta)).toBeCloseTo(1.5, 15);
  });
});
