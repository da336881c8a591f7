import { describe, expect, it } from '@jest/globals';
import { minimizePenalizedQuadratic } from '../src/index.js';

const all = () => true;

describe('penalised quadratic (glmnet sub-problem)', () => {
  it('without a penalty it is the Newton point γ⁰ − A⁻¹ b', () => {
    // A = [[4, 1], [1, 3]], b = [1, 2]: A⁻¹ b = [1/11, 7/11]
    const z = minimizePenalizedQuadratic({ hessian: [4, 1, 1, 3], gradient: [1, 2], center: [0, 0], l1: 0, l2: 0, penalized: all });
    expect(z[0]).toBeCloseTo(-1 / 11, 14);
    expect(z[1]).toBeCloseTo(-7 / 11, 14);
  });

  it('with a diagonal A it is coordinate-wise soft-thresholding: z = S(−b/a, l1/a)', () => {
    const z = minimizePenalizedQuadratic({
      hessian: [2, 0, 0, 0, 1, 0, 0, 0, 4],
      gradient: [-3, 0.5, -1],
      center: [0, 0, 0],
      l1: 1,
      l2: 0,
      penalized: (j) => j < 2,
    });
    expect(z[0]).toBeCloseTo(1, 14); // S(1.5, 0.5)
    expect(z[1]).toBe(0); // S(−0.5, 1)
    expect(z[2]).toBeCloseTo(0.25, 14); // unpenalised: −b/a
  });

  it('the ridge part enters as (a + l2): diagonal A = 2, b = −3, l1 = 1, l2 = 2 gives S(3, 1)/(2 + 2) = 0.5', () => {
    const z = minimizePenalizedQuadratic({ hessian: [2], gradient: [-3], center: [0], l1: 1, l2: 2, penalized: all });
    expect(z[0]).toBeCloseTo(0.5, 14);
    // Without L1 the closed form solves (A + l2) γ = A γ⁰ − b: γ = 3/4.
    const ridge = minimizePenalizedQuadratic({ hessian: [2], gradient: [-3], center: [0], l1: 0, l2: 2, penalized: all });
    expect(ridge[0]).toBeCloseTo(0.75, 15);
  });

  it('coordinate descent on a coupled A reaches the lasso KKT point; frozen coordinates stay 0', () => {
    // A = [[2, 1, 0.5], [1, 3, 0], [0.5, 0, 1]], b = [−4, −1, 7], l1 = 0.5, coordinate 2 frozen.
    const z = minimizePenalizedQuadratic({
      hessian: [2, 1, 0.5, 1, 3, 0, 0.5, 0, 1],
      gradient: [-4, -1, 7],
      center: [0, 0, 0],
      l1: 0.5,
      l2: 0,
      penalized: all,
      frozen: (j) => j === 2,
    });
    // KKT with γ₀ > 0, γ₁ < 0 (signs s = +1, −1): 2γ₀ + γ₁ − 4 + 0.5 = 0 and γ₀ + 3γ₁ − 1 − 0.5 = 0
    // give γ₀ = 9/5, γ₁ = −1/10, whose signs agree with the guess.
    expect(z[0]).toBeCloseTo(9 / 5, 12);
    expect(z[1]).toBeCloseTo(-1 / 10, 12);
    expect(z[2]).toBe(0);
  });
});
