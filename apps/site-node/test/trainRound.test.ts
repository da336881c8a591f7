import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJob } from '../src/jobs/runJob.js';
import { envelope, generateCohorts, readCsv } from './helpers.js';

// Reference: the closed forms of SITE_CHANNEL.md §6, computed here directly from the CSV text
// with plain arithmetic (no ONNX, no learn): g = Σ (σ(x̃ᵀβ) − y) x̃, H = Σ σ(1−σ) x̃ x̃ᵀ.
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

let dir: string;
let features: string[];
let x: number[][];
let y: number[];
let cohort: { name: string; features: string; outcome: string };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'train-round-'));
  const summary = generateCohorts(dir, 'site-a=37', 4);
  features = summary.features;
  const site = summary.sites[0];
  cohort = { name: 'training', features: site.featuresCsv, outcome: site.outcomeCsv };
  x = readCsv(site.featuresCsv).rows.map((r) => r.slice(1).map(Number));
  y = readCsv(site.outcomeCsv).rows.map((r) => Number(r[1]));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const input = (params: Record<string, unknown>) => ({
  envelope: envelope('train-round', params, 2),
  siteId: 'site-a',
  cohort,
  minCohortSize: 5,
  workDir: dir,
});

/**
 * One full-batch gradient step of (1/n) Σ wᵢ ℓᵢ on locally standardised features (1/n SD), from and back to the
 * original-scale coefficients: θ* = (b + Σ βⱼ mⱼ, βⱼ sⱼ); step; βⱼ = β*ⱼ / sⱼ, b = b* − Σ βⱼ mⱼ.
 */
function localStep(coef: number[], lr: number, weight: number[]): number[] {
  const n = x.length;
  const p = features.length;
  const mean = features.map((_, j) => x.reduce((a, r) => a + r[j], 0) / n);
  const sd = features.map((_, j) => Math.sqrt(x.reduce((a, r) => a + (r[j] - mean[j]) ** 2, 0) / n));
  const thetaStar = [coef[0] + coef.slice(1).reduce((a, b, j) => a + b * mean[j], 0), ...coef.slice(1).map((b, j) => b * sd[j])];
  const grad = new Array(p + 1).fill(0);
  for (let i = 0; i < n; i++) {
    const xs = [1, ...x[i].map((v, j) => (v - mean[j]) / sd[j])];
    const mu = sigmoid(xs.reduce((a, v, k) => a + v * thetaStar[k], 0));
    for (let k = 0; k <= p; k++) grad[k] += (weight[i] * (mu - y[i]) * xs[k]) / n;
  }
  const next = thetaStar.map((v, k) => v - lr * grad[k]);
  const beta = next.slice(1).map((v, j) => v / sd[j]);
  return [next[0] - beta.reduce((a, b, j) => a + b * mean[j], 0), ...beta];
}

describe('train-round job', () => {
  it('exact-newton returns the closed-form gradient, Hessian and feature sums (to 1e-9 relative)', async () => {
    const coef = [0.3, 0.02, -0.01, 0.005, 0.001];
    const update = (await runJob(input({
      kind: 'train-round', round: 2, strategy: 'exact-newton', model: { family: 'elasticnet-logistic', alpha: 0.5, lambda: 0.05 },
      features, globalParameters: [{ name: 'coef', shape: [5], data: coef }],
    }))) as { sampleCount: number; eventCount: number; contents: string; round: number; loss: number; tensors: Array<{ name: string; shape: number[]; data: number[] }> };
    const n = x.length;
    const P = features.length + 1;
    const g = new Array(P).fill(0);
    const h = new Array(P * P).fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const xt = [1, ...x[i]];
      const mu = sigmoid(xt.reduce((a, v, k) => a + v * coef[k], 0));
      loss -= y[i] * Math.log(mu) + (1 - y[i]) * Math.log(1 - mu);
      for (let a = 0; a < P; a++) {
        g[a] += (mu - y[i]) * xt[a];
        for (let b = 0; b < P; b++) h[a * P + b] += mu * (1 - mu) * xt[a] * xt[b];
      }
    }
    expect(update).toMatchObject({ kind: 'train-round', round: 2, sampleCount: 37, eventCount: y.reduce((a, b) => a + b, 0), contents: 'gradient-hessian' });
    const t = Object.fromEntries(update.tensors.map((tensor) => [tensor.name, tensor]));
    expect(t.gradient.shape).toEqual([P]);
    expect(t.hessian.shape).toEqual([P, P]);
    const close = (got: number[], want: number[]) => got.forEach((v, k) => expect(Math.abs(v - want[k])).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want[k]))));
    close(t.gradient.data, g);
    close(t.hessian.data, h);
    close(t['feature-sum'].data, features.map((_, j) => x.reduce((a, r) => a + r[j], 0)));
    close(t['feature-sumsq'].data, features.map((_, j) => x.reduce((a, r) => a + r[j] ** 2, 0)));
    close([update.loss], [loss]);
  });

  it('fedavg with one local epoch is one gradient step of the mean log-loss on locally standardised features', async () => {
    const coef = [-0.2, 0.01, 0, -0.02, 0.003];
    const lr = 0.4;
    const update = (await runJob(input({
      kind: 'train-round', round: 2, strategy: 'fedavg', model: { family: 'logistic' }, features, localEpochs: 1, learningRate: lr,
      globalParameters: [{ name: 'coef', shape: [5], data: coef }],
    }))) as { contents: string; tensors: Array<{ name: string; data: number[] }> };
    const want = localStep(coef, lr, y.map(() => 1));
    expect(update.contents).toBe('parameters');
    update.tensors[0].data.forEach((v, k) => expect(Math.abs(v - want[k])).toBeLessThan(1e-10));
  });

  it('fedavg with balanced class weights: round 0 counts, later rounds step on (1/n) Σ wᵢ ℓᵢ with w = N / (2 N_c) of the pooled counts, forged weights refused', async () => {
    const coef = [-0.2, 0.01, 0, -0.02, 0.003];
    const lr = 0.4;
    const round = (r: number, balancedWeights?: Record<string, number>) => input({
      kind: 'train-round', round: r, strategy: 'fedavg', model: { family: 'logistic', classWeights: 'balanced' }, features, localEpochs: 1, learningRate: lr,
      globalParameters: [{ name: 'coef', shape: [5], data: coef }], ...(balancedWeights ? { balancedWeights } : {}),
    });
    const counted = (await runJob(round(0))) as { sampleCount: number; eventCount: number; tensors: Array<{ data: number[] }> };
    expect(counted).toMatchObject({ sampleCount: 37, eventCount: y.reduce((a, b) => a + b, 0) });
    expect(counted.tensors[0].data).toEqual(coef);
    // The pooled counts of this site and two others: 100 patients, 30 positive.
    const weights = { sampleCount: 100, positiveCount: 30, negative: 100 / 140, positive: 100 / 60 };
    const update = (await runJob(round(1, weights))) as { tensors: Array<{ data: number[] }> };
    const want = localStep(coef, lr, y.map((v) => (v === 1 ? weights.positive : weights.negative)));
    update.tensors[0].data.forEach((v, k) => expect(Math.abs(v - want[k])).toBeLessThan(1e-10));
    // The attacker: positives weighted ten times what the counts give, or no weights after round 0.
    await expect(runJob(round(1, { ...weights, positive: 10 * weights.positive }))).rejects.toMatchObject({ code: 'JOB_INPUT_INVALID', context: { field: 'params/balancedWeights' } });
    await expect(runJob(round(1))).rejects.toMatchObject({ code: 'JOB_INPUT_INVALID', context: { field: 'params/balancedWeights' } });
  });

  it('fedprox adds (μ/2)‖w − w_global‖² on the original-scale parameters (its gradient checked by central differences)', async () => {
    const coef = [0.1, 0.02, -0.03, 0.01, 0.002];
    const lr = 0.3;
    const mu = 2;
    const update = (await runJob(input({
      kind: 'train-round', round: 2, strategy: 'fedprox', model: { family: 'logistic' }, features, localEpochs: 2, learningRate: lr, proximalMu: mu,
      globalParameters: [{ name: 'coef', shape: [5], data: coef }],
    }))) as { tensors: Array<{ data: number[] }> };
    const n = x.length;
    const p = features.length;
    const mean = features.map((_, j) => x.reduce((a, r) => a + r[j], 0) / n);
    const sd = features.map((_, j) => Math.sqrt(x.reduce((a, r) => a + (r[j] - mean[j]) ** 2, 0) / n));
    const toOriginal = (t: number[]) => {
      const beta = t.slice(1).map((v, j) => v / sd[j]);
      return [t[0] - beta.reduce((a, b, j) => a + b * mean[j], 0), ...beta];
    };
    const proximal = (t: number[]) => (mu / 2) * toOriginal(t).reduce((a, w, k) => a + (w - coef[k]) ** 2, 0);
    let theta = [coef[0] + coef.slice(1).reduce((a, b, j) => a + b * mean[j], 0), ...coef.slice(1).map((b, j) => b * sd[j])];
    for (let epoch = 0; epoch < 2; epoch++) {
      const grad = new Array(p + 1).fill(0);
      for (let i = 0; i < n; i++) {
        const xs = [1, ...x[i].map((v, j) => (v - mean[j]) / sd[j])];
        const m = sigmoid(xs.reduce((a, v, k) => a + v * theta[k], 0));
        for (let k = 0; k <= p; k++) grad[k] += ((m - y[i]) * xs[k]) / n;
      }
      const h = 1e-6;
      for (let k = 0; k <= p; k++) {
        const up = theta.slice(); up[k] += h;
        const down = theta.slice(); down[k] -= h;
        grad[k] += (proximal(up) - proximal(down)) / (2 * h);
      }
      theta = theta.map((v, k) => v - lr * grad[k]);
    }
    const want = toOriginal(theta);
    update.tensors[0].data.forEach((v, k) => expect(Math.abs(v - want[k])).toBeLessThan(1e-7));
  });

  it('clips the update θ − θ_global to clipNorm (same direction, norm = clipNorm)', async () => {
    const coef = [0, 0.01, 0.01, 0.01, 0.01];
    const params = { kind: 'train-round', round: 2, strategy: 'fedavg', model: { family: 'logistic' }, features, localEpochs: 2, learningRate: 0.5, globalParameters: [{ name: 'coef', shape: [5], data: coef }] };
    const free = ((await runJob(input(params))) as { tensors: Array<{ data: number[] }> }).tensors[0].data;
    const clipped = ((await runJob(input({ ...params, clipNorm: 0.01 }))) as { tensors: Array<{ data: number[] }> }).tensors[0].data;
    const delta = free.map((v, k) => v - coef[k]);
    const norm = Math.hypot(...delta);
    expect(norm).toBeGreaterThan(0.01);
    clipped.forEach((v, k) => expect(Math.abs(v - (coef[k] + (0.01 * delta[k]) / norm))).toBeLessThan(1e-12));
  });

  it('refuses a model tensor of the wrong size, naming the field', async () => {
    await expect(runJob(input({
      kind: 'train-round', round: 2, strategy: 'fedavg', model: { family: 'logistic' }, features,
      globalParameters: [{ name: 'coef', shape: [3], data: [0, 0, 0] }],
    }))).rejects.toMatchObject({ code: 'JOB_INPUT_INVALID', context: { field: 'params/globalParameters' } });
  });
});
