import { describe, expect, it } from '@jest/globals';
import { gaussianNoise, gaussianRdpEpsilon } from '../src/differentialPrivacy.js';

/**
 * The RDP bound T α/(2σ²) + log(1/δ)/(α − 1) (Mironov 2017, Table 2, Propositions 1 and 3) has its
 * minimum over α > 1 in closed form: with a = T/(2σ²) and b = log(1/δ), setting the derivative
 * a − b/(α − 1)² to zero gives α* = 1 + √(b/a) and ε = a + 2√(ab). The accountant searches
 * numerically; this is the analytic answer, computed here on its own.
 */
function closedForm(sigma: number, rounds: number, delta: number): { epsilon: number; order: number } {
  const a = rounds / (2 * sigma * sigma);
  const b = Math.log(1 / delta);
  return { epsilon: a + 2 * Math.sqrt(a * b), order: 1 + Math.sqrt(b / a) };
}

describe('the Gaussian-mechanism RDP accountant', () => {
  it.each([
    [1.1, 1, 1e-5],
    [1.1, 100, 1e-5],
    [4, 20, 1e-6],
    [0.5, 3, 0.01],
    [10, 1000, 1e-8],
  ])('σ %p, %p rounds, δ %p: ε equals the analytic minimum', (sigma, rounds, delta) => {
    const got = gaussianRdpEpsilon(sigma, rounds, delta);
    const want = closedForm(sigma, rounds, delta);
    expect(Math.abs(got.epsilon - want.epsilon) / want.epsilon).toBeLessThan(1e-9);
    expect(Math.abs(got.order - want.order) / want.order).toBeLessThan(1e-4);
  });

  it('grows with the rounds, falls with the noise, and is 0 before any round', () => {
    expect(gaussianRdpEpsilon(2, 0, 1e-5).epsilon).toBe(0);
    expect(gaussianRdpEpsilon(2, 10, 1e-5).epsilon).toBeGreaterThan(gaussianRdpEpsilon(2, 5, 1e-5).epsilon);
    expect(gaussianRdpEpsilon(4, 10, 1e-5).epsilon).toBeLessThan(gaussianRdpEpsilon(2, 10, 1e-5).epsilon);
  });

  it('refuses settings with no guarantee, naming them', () => {
    expect(() => gaussianRdpEpsilon(0, 10, 1e-5)).toThrow(/σ > 0/);
    expect(() => gaussianRdpEpsilon(1, 10, 1)).toThrow(/0 < δ < 1/);
  });
});

describe('the noise', () => {
  it('is the same for the same seed, another for another seed, and fresh when unseeded', () => {
    expect(gaussianNoise(7, 1, 42)).toEqual(gaussianNoise(7, 1, 42));
    expect(gaussianNoise(7, 1, 43)).not.toEqual(gaussianNoise(7, 1, 42));
    expect(gaussianNoise(7, 1)).not.toEqual(gaussianNoise(7, 1));
  });

  it('has mean 0 and the asked standard deviation (20,000 draws, within 4 standard errors)', () => {
    for (const seed of [1, undefined]) {
      const z = gaussianNoise(20_000, 3, seed);
      const mean = z.reduce((s, v) => s + v, 0) / z.length;
      const variance = z.reduce((s, v) => s + (v - mean) ** 2, 0) / (z.length - 1);
      expect(Math.abs(mean)).toBeLessThan((4 * 3) / Math.sqrt(z.length));
      // The sample variance's standard error is σ²√(2/(n − 1)).
      expect(Math.abs(variance - 9)).toBeLessThan(4 * 9 * Math.sqrt(2 / (z.length - 1)));
    }
  });
});
