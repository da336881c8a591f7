import { describe, expect, it } from '@jest/globals';
import { Adam, SgdMomentum, youdenThreshold, proximalNewtonStep, newtonStep } from '../src/index.js';

describe('optimiser steps against their closed forms', () => {
  it('SGD with momentum on f(θ) = ½ a θ² follows v_{k+1} = μ v_k + a θ_k, θ_{k+1} = θ_k − η v_{k+1}', () => {
    // Hand-iterated with a = 2, η = 0.1, μ = 0.5, θ0 = 1:
    // k=1: v = 2, θ = 0.8;  k=2: v = 0.5·2 + 1.6 = 2.6, θ = 0.54;  k=3: v = 1.3 + 1.08 = 2.38, θ = 0.302
    const opt = new SgdMomentum(0.1, 0.5);
    const theta = Float64Array.of(1);
    const seen = [];
    for (let k = 0; k < 3; k++) seen.push(opt.step(theta, Float64Array.of(2 * theta[0]))[0]);
    expect(seen[0]).toBeCloseTo(0.8, 14);
    expect(seen[1]).toBeCloseTo(0.54, 14);
    expect(seen[2]).toBeCloseTo(0.302, 14);
  });

  it('Adam: the first bias-corrected step is −α·g/(|g| + ε) (Kingma & Ba 2015, §2)', () => {
    const opt = new Adam(0.01);
    const theta = Float64Array.of(1, -2, 0.5);
    const g = Float64Array.of(4, -0.001, 0);
    opt.step(theta, g);
    expect(theta[0]).toBeCloseTo(1 - 0.01 * (4 / (4 + 1e-8)), 14);
    expect(theta[1]).toBeCloseTo(-2 + 0.01 * (0.001 / (0.001 + 1e-8)), 14);
    expect(theta[2]).toBe(0.5);
  });

  it('Newton step solves H Δ = −g; with λ = 0 the proximal Newton step is the same point', () => {
    const H = Float64Array.of(4, 1, 1, 3);
    const g = Float64Array.of(1, 2);
    // Δ = −H⁻¹ g = −(1/11)[3 −1; −1 4][1; 2] = [−1/11, −7/11]
    const step = newtonStep(g, H);
    expect(step[0]).toBeCloseTo(-1 / 11, 14);
    expect(step[1]).toBeCloseTo(-7 / 11, 14);
    const z = proximalNewtonStep(Float64Array.of(0, 0), g, H, { lambda: 0, alpha: 1, penalized: [true, true] });
    expect(z[0]).toBeCloseTo(-1 / 11, 12);
    expect(z[1]).toBeCloseTo(-7 / 11, 12);
  });

  it('proximal Newton step with a diagonal H is coordinate-wise soft-thresholding: z = S(−g/h, λα/h)', () => {
    const z = proximalNewtonStep(Float64Array.of(0, 0, 0), Float64Array.of(-3, 0.5, -1), Float64Array.of(2, 0, 0, 0, 1, 0, 0, 0, 4), { lambda: 1, alpha: 1, penalized: [true, true, false] });
    expect(z[0]).toBeCloseTo(1, 14); // S(1.5, 0.5)
    expect(z[1]).toBe(0); // S(−0.5, 1)
    expect(z[2]).toBeCloseTo(0.25, 14); // unpenalised: −g/h
  });
});

describe('Youden threshold', () => {
  it('on a hand-checked example', () => {
    // Scores with labels; thresholds ≥ 0.7: TPR 2/3, FPR 0 → J = 0.667; ≥ 0.4: TPR 1, FPR 1/3 → J = 0.667 (tie: higher kept);
    // ≥ 0.9: TPR 1/3, J = 0.333.
    const r = youdenThreshold([0.9, 0.7, 0.5, 0.4, 0.2, 0.1], [1, 1, 0, 1, 0, 0]);
    expect(r.threshold).toBe(0.7);
    expect(r.j).toBeCloseTo(2 / 3, 14);
  });
});
