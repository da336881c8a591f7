import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { Tensor, TrainRoundParams } from '@fedrad/protocol';
import { MethodInputError, runLocalTwin, trainingMethod, validationSplit, type TrainingRows } from '../src/index.js';
import { protocolFor } from './glmSites.js';

// Balanced class weights in the MLP's local loss: weighted binary cross-entropy, each training
// row's log-loss times N / (2 N_c) of the pooled training-row counts. The reference is written out
// here, independent of learn's ONNX graphs: the network's forward pass in plain arithmetic, the
// gradient of (1/n) Σ wᵢ ℓᵢ + (λ/2) ‖W‖² by central finite differences, and Adam (Kingma & Ba
// 2015, Algorithm 1) stepping on it. Data: the imbalanced cohort of
// scripts/fixtures/methods/fedavg-class-weights.R (three sites, 124 positives of 600).
const ref = JSON.parse(readFileSync(new URL('./fixtures/fedavg-class-weights.json', import.meta.url), 'utf8')) as { sites: Record<string, { x: number[][]; y: number[] }> };
const features = ['f1', 'f2', 'f3'];
const partitions = new Map<string, TrainingRows>(Object.entries(ref.sites).map(([s, d]) => [s, { featureNames: features, x: Float64Array.from(d.x.flat()), label: Float64Array.from(d.y) }]));
const siteIds = [...partitions.keys()];
const hidden = 3;
const lambda = 0.05;
const protocol = {
  ...protocolFor({ family: 'mlp', hiddenLayers: [hidden], activation: 'tanh', lambda, classWeights: 'balanced' }, { strategy: 'fedavg', rounds: 4, localEpochs: 3, learningRate: 0.05, seed: 2 }),
  features, trainingSites: siteIds,
};

/** The network's mean weighted log-loss plus its ridge part at θ = [W0 (p × h), b0 (h), W1 (h), b1], written out. */
function objective(theta: readonly number[], x: number[][], y: number[], w: number[], n: number): number {
  const p = features.length;
  let sum = 0;
  x.forEach((row, i) => {
    let eta = theta[p * hidden + hidden + hidden];
    for (let c = 0; c < hidden; c++) {
      let s = theta[p * hidden + c];
      for (let r = 0; r < p; r++) s += row[r] * theta[r * hidden + c];
      eta += Math.tanh(s) * theta[p * hidden + hidden + c];
    }
    // ℓ = −y log σ(η) − (1 − y) log(1 − σ(η)) = log(1 + e^η) − y η
    sum += w[i] * (Math.log1p(Math.exp(eta)) - y[i] * eta);
  });
  const ridge = theta.reduce((a, t, k) => (k < p * hidden || (k >= p * hidden + hidden && k < p * hidden + 2 * hidden) ? a + t * t : a), 0);
  return sum / n + (lambda / 2) * ridge;
}

function finiteDifferenceGradient(f: (t: number[]) => number, theta: number[]): number[] {
  const h = 1e-6;
  return theta.map((_, k) => {
    const up = [...theta];
    const down = [...theta];
    up[k] += h;
    down[k] -= h;
    return (f(up) - f(down)) / (2 * h);
  });
}

/** Adam from a fresh state, `epochs` steps (β₁ 0.9, β₂ 0.999, ε 1e-8). */
function adam(theta: number[], gradient: (t: number[]) => number[], epochs: number, rate: number): number[] {
  const out = [...theta];
  const m = out.map(() => 0);
  const v = out.map(() => 0);
  for (let t = 1; t <= epochs; t++) {
    const g = gradient(out);
    for (let k = 0; k < out.length; k++) {
      m[k] = 0.9 * m[k] + 0.1 * g[k];
      v[k] = 0.999 * v[k] + 0.001 * g[k] * g[k];
      out[k] -= (rate * (m[k] / (1 - 0.9 ** t))) / (Math.sqrt(v[k] / (1 - 0.999 ** t)) + 1e-8);
    }
  }
  return out;
}

const flat = (tensors: Tensor[]) => tensors.filter((t) => !['input-mean', 'input-scale', 'validation'].includes(t.name)).flatMap((t) => t.data);

describe('balanced class weights in the mlp family', () => {
  it('round 0 counts the training rows; a site step weights each row\'s log-loss by N / (2 N_c), as the written-out objective and Adam give', async () => {
    const method = trainingMethod(protocol);
    const initial = method.initialState();
    const params0 = method.configure(initial, siteIds);
    expect(params0[siteIds[0]].balancedWeights).toBeUndefined();
    const results0 = await Promise.all(siteIds.map(async (s) => ({ siteId: s, update: await method.siteStep(params0[s], partitions.get(s)!) })));
    const counted = method.aggregate(initial, results0, []);
    const params1 = method.configure(counted.state, siteIds);
    // The pooled counts are those of the training rows (the validation rows held out by the seeded split).
    const split = params1[siteIds[0]].validationSplit!;
    const trainRows = siteIds.map((s) => validationSplit(partitions.get(s)!.label, split.fraction, split.seed).train);
    const N = trainRows.reduce((a, r) => a + r.length, 0);
    const positives = siteIds.reduce((a, s, k) => a + trainRows[k].filter((i) => partitions.get(s)!.label[i] === 1).length, 0);
    const sent = params1[siteIds[0]].balancedWeights!;
    expect(sent).toEqual({ sampleCount: N, positiveCount: positives, negative: N / (2 * (N - positives)), positive: N / (2 * positives) });

    // Site a's step at round 1's global weights, against the written-out weighted objective, on its
    // positives and every other negative: a site whose class mix is not the pooled one, so Σ wᵢ ≠ n
    // there and the objective's 1/n (not 1/Σ wᵢ) shows against the ridge part.
    const s = siteIds[0];
    const all = partitions.get(s)!;
    const kept = [...all.label.keys()].filter((i) => all.label[i] === 1 || i % 2 === 0);
    const rows: TrainingRows = { featureNames: features, x: Float64Array.from(kept.flatMap((i) => [...all.x.subarray(i * 3, i * 3 + 3)])), label: Float64Array.from(kept, (i) => all.label[i]) };
    const { train, validation } = validationSplit(rows.label, split.fraction, split.seed);
    const mean = counted.state.parameters.find((t) => t.name === 'input-mean')!.data;
    const scale = counted.state.parameters.find((t) => t.name === 'input-scale')!.data;
    const standardised = (i: number) => features.map((_, j) => (rows.x[i * 3 + j] - mean[j]) / scale[j]);
    const weightOf = (i: number) => (rows.label[i] === 1 ? sent.positive : sent.negative);
    const part = (idx: number[]) => ({ x: idx.map(standardised), y: idx.map((i) => rows.label[i]), w: idx.map(weightOf) });
    const t = part(train);
    const v = part(validation);
    const theta = flat(counted.state.parameters);
    const f = (th: number[]) => objective(th, t.x, t.y, t.w, train.length);
    const update = await method.siteStep(params1[s], rows);
    // The reported losses are the weighted sums of log-losses at the global weights (the ridge part taken off).
    const sumLoss = (d: ReturnType<typeof part>, n: number) => n * (objective(theta, d.x, d.y, d.w, n) - objective(theta, [], [], [], n));
    expect(update.loss).toBeCloseTo(sumLoss(t, train.length), 8);
    const validationTensor = update.tensors.find((x) => x.name === 'validation')!.data;
    expect(validationTensor[0]).toBeCloseTo(sumLoss(v, validation.length), 8);
    expect(validationTensor[1]).toBe(validation.length);
    // Three Adam steps on the finite-difference gradient of (1/n) Σ wᵢ ℓᵢ + ridge.
    const expected = adam(theta, (th) => finiteDifferenceGradient(f, th), 3, 0.05);
    const got = flat(update.tensors);
    got.forEach((g, k) => expect(Math.abs(g - expected[k])).toBeLessThan(1e-6));
    // The weights matter: the same steps on the unweighted objective end elsewhere.
    const unweighted = adam(theta, (th) => finiteDifferenceGradient((q) => objective(q, t.x, t.y, t.y.map(() => 1), train.length), th), 3, 0.05);
    expect(Math.max(...got.map((g, k) => Math.abs(g - unweighted[k])))).toBeGreaterThan(1e-3);
  });

  it('the attacker: a site refuses weights that do not follow from the counts, counts below its own, and a round 0 carrying weights', async () => {
    const method = trainingMethod(protocol);
    const state = { ...method.initialState(), round: 1 };
    const counts = { sampleCount: 480, positiveCount: 100 };
    const honest = method.configure({ ...state, server: { strategy: null, best: null, roundsSinceBest: 0, validationLoss: null, classCounts: counts } as never }, siteIds)[siteIds[0]];
    expect(honest.balancedWeights).toMatchObject(counts);
    const rows = partitions.get(siteIds[0])!;
    const refused = async (params: TrainRoundParams, message: string) => {
      const e = await method.siteStep(params, rows).then(() => undefined, (err: unknown) => err);
      expect(e).toBeInstanceOf(MethodInputError);
      expect(e).toMatchObject({ context: { field: 'params/balancedWeights' } });
      expect((e as Error).message).toContain(message);
    };
    await refused({ ...honest, balancedWeights: { ...honest.balancedWeights!, positive: 40 } }, 'do not follow from its pooled counts');
    await refused({ ...honest, balancedWeights: { sampleCount: 480, positiveCount: 1, negative: 480 / 958, positive: 240 } }, 'fewer than this site\'s own');
    await refused({ ...honest, balancedWeights: undefined }, 'carries none');
    await refused({ ...honest, round: 0 }, 'Round 0 counts the classes');
  });

  it('a campaign in the local twin trains with the weights, and ends elsewhere than without them', async () => {
    const weighted = await runLocalTwin(trainingMethod(protocol), partitions);
    const plain = await runLocalTwin(trainingMethod({ ...protocol, model: { ...protocol.model, classWeights: 'none' } }), partitions);
    expect(weighted.steps.length).toBe(4);
    const diff = Math.max(...flat(weighted.state.parameters).map((w, k) => Math.abs(w - flat(plain.state.parameters)[k])));
    expect(diff).toBeGreaterThan(1e-3);
  }, 60_000);
});
