import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelSpec } from '@fedrad/protocol';
import { exactGradient, exactNewton, type RoundState, type Strategy } from '../src/index.js';
import { siteUpdate, type SiteData } from './siteSums.js';

// Fixture written by scripts/fixtures/federation/glm-sites.R: three sites' data and R's POOLED fits.
const fixture = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'fixtures/glm-sites.json'), 'utf8')) as {
  sites: Record<string, SiteData>;
  pooledFits: Array<{ family: ModelSpec['family']; alpha: number; lambda: number; coef: number[] }>;
};
const siteIds = Object.keys(fixture.sites);
const p1 = fixture.sites['site-a'].x[0].length + 1;

function run(strategy: Strategy, rounds: number, withHessian = true): number[] {
  let state: RoundState = { round: 0, parameters: [{ name: 'coef', shape: [p1], data: new Array(p1).fill(0) }], server: null };
  for (let r = 0; r < rounds; r++) {
    const beta = state.parameters[0].data;
    const results = siteIds.map((s) => siteUpdate(s, fixture.sites[s], beta, r, withHessian));
    const out = strategy.aggregate(state, results, []);
    state = { round: r + 1, parameters: out.parameters, server: out.server };
    if (out.converged) break;
  }
  return state.parameters[0].data;
}

/** Gaussian elimination with partial pivoting: an independent solver for the pooled Newton step. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[piv][c])) piv = r;
    [m[c], m[piv]] = [m[piv], m[c]];
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  const x = new Array(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let k = r + 1; k < n; k++) s -= m[r][k] * x[k];
    x[r] = s / m[r][r];
  }
  return x;
}

describe('exact Newton aggregation', () => {
  it('one round equals the Newton step on the pooled data (unpenalised)', () => {
    // Pool every patient, compute X'WX and X'(y − μ) at β = 0 directly, solve independently.
    const rows = siteIds.flatMap((s) => fixture.sites[s].x.map((x, i) => ({ x: [1, ...x], y: fixture.sites[s].y[i] })));
    const h = Array.from({ length: p1 }, () => new Array(p1).fill(0));
    const g = new Array(p1).fill(0);
    for (const { x, y } of rows) {
      for (let j = 0; j < p1; j++) {
        g[j] += (y - 0.5) * x[j];
        for (let k = 0; k < p1; k++) h[j][k] += 0.25 * x[j] * x[k];
      }
    }
    const expected = solve(h, g); // β1 = β0 + (X'WX)⁻¹ X'(y − μ)
    const got = run(exactNewton({ model: { family: 'logistic' } }), 1);
    got.forEach((v, j) => expect(v).toBeCloseTo(expected[j], 9));
  });

  for (const fit of fixture.pooledFits) {
    it(`converges to R's pooled ${fit.family} fit (alpha ${fit.alpha}, lambda ${fit.lambda}) within 1e-6`, () => {
      const got = run(exactNewton({ model: { family: fit.family, alpha: fit.alpha, lambda: fit.lambda, standardize: true } }), 50);
      expect(got).toHaveLength(fit.coef.length);
      got.forEach((v, j) => expect(Math.abs(v - fit.coef[j])).toBeLessThan(1e-6));
    });
  }

  it('does not depend on the order the sites answer in', () => {
    const strategy = exactNewton({ model: { family: 'elasticnet-logistic', alpha: 0.5, lambda: 0.05 } });
    const state: RoundState = { round: 0, parameters: [{ name: 'coef', shape: [p1], data: new Array(p1).fill(0.01) }], server: null };
    const results = siteIds.map((s) => siteUpdate(s, fixture.sites[s], state.parameters[0].data, 0));
    expect(strategy.aggregate(state, [...results].reverse(), []).parameters).toEqual(strategy.aggregate(state, results, []).parameters);
  });
});

describe('exact proximal-gradient aggregation', () => {
  it("converges to R's pooled elastic-net fit within 1e-6", () => {
    const fit = fixture.pooledFits.find((f) => f.family === 'elasticnet-logistic')!;
    const got = run(exactGradient({ model: { family: fit.family, alpha: fit.alpha, lambda: fit.lambda }, learningRate: 0.5, tolerance: 1e-12 }), 200_000, false);
    expect(got).toHaveLength(fit.coef.length);
      got.forEach((v, j) => expect(Math.abs(v - fit.coef[j])).toBeLessThan(1e-6));
  });
});
