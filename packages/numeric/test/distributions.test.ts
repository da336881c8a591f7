import { describe, expect, it } from '@jest/globals';
import { chiSquareSurvival, normalCdf, normalQuantile, studentTCdf } from '../src/index.js';

// Published constants: Φ⁻¹(0.975) (A&S table 26.5), Φ(−3) (A&S 26.2), χ²₁ and t tail values
// that follow from them in closed form.
describe('distribution functions', () => {
  it('normal quantile and CDF', () => {
    expect(Math.abs(normalQuantile(0.975) - 1.959963984540054)).toBeLessThan(1e-14);
    expect(Math.abs(normalQuantile(0.5))).toBeLessThan(1e-15);
    expect(Math.abs(normalCdf(-3) - 0.0013498980316300946)).toBeLessThan(1e-16);
    expect(Math.abs(normalCdf(1.959963984540054) - 0.975)).toBeLessThan(1e-15);
    expect(Math.abs(normalQuantile(1e-10) + 6.361340902404056)).toBeLessThan(1e-9);
  });
  it('chi-square survival: df 2 is exp(−x/2); df 1 is 2Φ(−√x)', () => {
    expect(Math.abs(chiSquareSurvival(5, 2) - Math.exp(-2.5))).toBeLessThan(1e-15);
    expect(Math.abs(chiSquareSurvival(3.841458820694124, 1) - 0.05)).toBeLessThan(1e-14);
    expect(Math.abs(chiSquareSurvival(12, 4) - Math.exp(-6) * (1 + 6))).toBeLessThan(1e-15);
  });
  it('Student t: df 1 is Cauchy (½ + atan(t)/π), df 2 is ½ + t/(2√(2 + t²))', () => {
    expect(Math.abs(studentTCdf(1.7, 1) - (0.5 + Math.atan(1.7) / Math.PI))).toBeLessThan(1e-14);
    expect(Math.abs(studentTCdf(-0.8, 2) - (0.5 - 0.8 / (2 * Math.sqrt(2.64))))).toBeLessThan(1e-14);
  });
});
