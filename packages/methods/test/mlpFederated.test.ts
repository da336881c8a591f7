import { describe, expect, it } from '@jest/globals';
import { exportInferenceModel, fitModel, loadInferenceModel, predict, type FeatureTable, type OutcomeTable } from '@fedrad/learn';
import { mulberry32 } from '@fedrad/numeric';
import { assertValid, updateLayout, type CampaignProtocol, type StrategyName, type TrainRoundParams } from '@fedrad/protocol';
import { EgressRefusedError, mlpTrainedModel, runLocalTwin, trainingMethod, validationSplit, type TrainingRows } from '../src/index.js';

// An interaction a linear model cannot express: P(y = 1 | x) = σ(8 x₁ x₂) (XOR-like quadrants),
// with a third, pure-noise feature on another scale. Seeded, so every run draws the same rows.
const featureNames = ['x1', 'x2', 'noise'];
function draw(n: number, seed: number): { x: Float64Array; y: Float64Array } {
  const random = mulberry32(seed);
  const x = new Float64Array(n * 3);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = 2 * random() - 1;
    const b = 2 * random() - 1;
    x.set([a, b, 100 + 50 * random()], i * 3);
    y[i] = random() < 1 / (1 + Math.exp(-8 * a * b)) ? 1 : 0;
  }
  return { x, y };
}

/** AUC as the Mann–Whitney rank statistic (ties count ½), computed here from the scores alone. */
function rankAuc(score: ArrayLike<number>, label: ArrayLike<number>): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < label.length; i++) {
    if (label[i] !== 1) continue;
    for (let j = 0; j < label.length; j++) {
      if (label[j] !== 0) continue;
      pairs++;
      wins += score[i] > score[j] ? 1 : score[i] === score[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

const sites = ['site-a', 'site-b', 'site-c'];
const perSite = 200;
const partitions = new Map<string, TrainingRows>(sites.map((s, k) => {
  const { x, y } = draw(perSite, 11 + k);
  return [s, { featureNames, x, label: y }];
}));
const test = draw(2000, 99);
const table = (x: Float64Array, n: number, prefix: string): FeatureTable => ({ ids: Array.from({ length: n }, (_, i) => `${prefix}${i}`), featureNames, values: x });
const testTable = table(test.x, test.y.length, 't');
const hidden = [8];

function protocolFor(strategy: StrategyName, extra: Partial<CampaignProtocol['training']> = {}): CampaignProtocol {
  return {
    type: 'campaign-protocol', campaignId: 'mlp-twin', title: 'MLP twin', version: 1,
    outcome: { type: 'binary', label: 'y' }, features: featureNames,
    model: { family: 'mlp', hiddenLayers: hidden },
    trainingSites: sites, testSites: [], minCohortSize: 5,
    training: { strategy, rounds: 80, localEpochs: 10, learningRate: 0.01, seed: 3, earlyStopping: { validationFraction: 0.2, patience: 8 }, ...extra },
  };
}

async function testAuc(bytes: Uint8Array): Promise<number> {
  return rankAuc(await predict(await loadInferenceModel(bytes), testTable), test.y);
}

async function federatedAuc(protocol: CampaignProtocol) {
  const run = await runLocalTwin(trainingMethod(protocol), partitions);
  const n = [...partitions.values()].reduce((a, r) => a + r.label.length, 0);
  const model = mlpTrainedModel(protocol.model, featureNames, run.state.parameters, { n, events: 0, rounds: run.steps.length, converged: run.steps[run.steps.length - 1].converged });
  return { run, auc: await testAuc(exportInferenceModel(model)) };
}

describe('federated MLP (issue #17)', () => {
  // The pooled references: the same network and the linear model fitted centrally on every training row.
  const pooledX = new Float64Array(sites.length * perSite * 3);
  const pooledY = new Float64Array(sites.length * perSite);
  sites.forEach((s, k) => {
    pooledX.set(partitions.get(s)!.x, k * perSite * 3);
    pooledY.set(partitions.get(s)!.label, k * perSite);
  });
  const pooledTable = table(pooledX, pooledY.length, 'p');
  const outcome: OutcomeTable = { kind: 'binary', ids: pooledTable.ids, label: pooledY } as OutcomeTable;
  let pooledMlpAuc = 0;
  let linearAuc = 0;

  it('pooled: the MLP separates the interaction and a logistic model cannot', async () => {
    pooledMlpAuc = await testAuc(exportInferenceModel(await fitModel({ family: 'mlp', hiddenLayers: hidden }, pooledTable, outcome, { epochs: 600, learningRate: 0.01, seed: 3 })));
    linearAuc = await testAuc(exportInferenceModel(await fitModel({ family: 'logistic' }, pooledTable, outcome)));
    // The ceiling: the AUC of the true probability σ(8 x₁x₂) on the same test rows (about 0.87).
    const bayes = rankAuc(Array.from(test.y, (_, i) => test.x[i * 3] * test.x[i * 3 + 1]), test.y);
    expect(pooledMlpAuc).toBeGreaterThan(bayes - 0.03);
    // A linear score is no better than chance on an interaction.
    expect(linearAuc).toBeLessThan(0.6);
  }, 120_000);

  for (const strategy of ['fedavg', 'fedprox', 'fedadam'] as const) {
    it(`${strategy} over three sites reaches the pooled MLP's test AUC within 0.02, stopping on the pooled validation loss`, async () => {
      const extra = strategy === 'fedprox' ? { proximalMu: 0.01 } : {};
      const { run, auc } = await federatedAuc(protocolFor(strategy, extra));
      expect(Math.abs(auc - pooledMlpAuc)).toBeLessThan(0.02);
      expect(auc - linearAuc).toBeGreaterThan(0.15);
      // Round 0 set the standardisation; every later round reported a validation loss.
      const losses = run.steps.slice(1).map((s) => s.validationLoss!);
      expect(losses.every(Number.isFinite)).toBe(true);
      // Stopped by patience (8 rounds without a lower pooled validation loss) before the 80-round budget.
      const best = losses.indexOf(Math.min(...losses));
      expect(run.steps.length).toBeLessThan(80);
      expect(losses.length - 1 - best).toBe(8);
      expect(run.steps[run.steps.length - 1].converged).toBe(true);
    }, 240_000);
  }
});

describe('early stopping at the coordinator', () => {
  it('stops after `patience` rounds without a lower pooled validation loss and ends on the best round\'s global parameters', () => {
    const method = trainingMethod(protocolFor('fedavg', { earlyStopping: { patience: 2 } }));
    let state = method.initialState();
    const p = featureNames.length;
    const moments = (siteId: string) => ({ siteId, update: { kind: 'train-round' as const, round: 0, sampleCount: 10, contents: 'feature-moments' as const, tensors: [{ name: 'feature-sum', shape: [p], data: [0, 10, 20] }, { name: 'feature-sumsq', shape: [p], data: [10, 20, 50] }] } });
    state = method.aggregate(state, sites.map(moments), []).state;
    // Each site's weights move by +1 per round, so round r's global weights are round 1's + (r − 1).
    const round1 = state.parameters.slice(2).map((t) => t.data);
    // Pooled validation loss per round (sum / rows over the three sites): 0.9, 0.7, 0.8, 0.75, then stop.
    const perRound = [0.9, 0.7, 0.8, 0.75];
    const seen: number[] = [];
    for (const [k, loss] of perRound.entries()) {
      const results = sites.map((siteId) => ({
        siteId,
        update: { kind: 'train-round' as const, round: state.round, sampleCount: 10, contents: 'parameters' as const, tensors: [...state.parameters.slice(2).map((t) => ({ ...t, data: t.data.map((v) => v + 1) })), { name: 'validation', shape: [2], data: [loss * 4, 4] }] },
      }));
      const out = method.aggregate(state, results, []);
      seen.push(out.validationLoss!);
      state = out.state;
      expect(out.done).toBe(k === perRound.length - 1);
      if (out.done) expect(out.converged).toBe(true);
    }
    perRound.forEach((v, k) => expect(seen[k]).toBeCloseTo(v, 12));
    // The best was round 2 (0.7): its global weights are round 1's + 1, and its standardisation the pooled one.
    expect(state.parameters.slice(2).map((t) => t.data)).toEqual(round1.map((d) => d.map((v) => v + 1)));
    expect(state.parameters[0].data).toEqual([0, 1, 2]);
    expect(state.parameters[1].data.map((v) => v * v)).toEqual([1, 1, 1]);
  });
});

describe('the MLP round at a site', () => {
  const method = trainingMethod(protocolFor('fedavg'));
  it('configures schema-valid params and updates of the layout SITE_CHANNEL.md §6 gives', async () => {
    const state = method.initialState();
    for (const round of [0, 1]) {
      const params = assertValid<TrainRoundParams>('train-round-params', JSON.parse(JSON.stringify(method.configure({ ...state, round }, sites)['site-a'])), 'site-a');
      const update = await method.siteStep(params, partitions.get('site-a')!);
      const layout = updateLayout(params);
      expect(Object.fromEntries(update.tensors.map((t) => [t.name, t.shape]))).toEqual(layout);
      expect(update.sampleCount).toBe(validationSplit(partitions.get('site-a')!.label, 0.2, 3).train.length);
    }
  });

  it('round 0 sends the training rows\' feature sums: the pooled standardisation is their mean and 1/n SD', async () => {
    const params = method.configure(method.initialState(), sites);
    const results = await Promise.all(sites.map(async (siteId) => ({ siteId, update: await method.siteStep(params[siteId], partitions.get(siteId)!) })));
    const next = method.aggregate(method.initialState(), results, []).state.parameters;
    // Independently: the training rows of every site, pooled, by two passes.
    const rows: number[][] = [];
    for (const s of sites) {
      const { x, label } = partitions.get(s)!;
      for (const i of validationSplit(label, 0.2, 3).train) rows.push([x[i * 3], x[i * 3 + 1], x[i * 3 + 2]]);
    }
    const mean = [0, 1, 2].map((j) => rows.reduce((a, r) => a + r[j], 0) / rows.length);
    const sd = [0, 1, 2].map((j) => Math.sqrt(rows.reduce((a, r) => a + (r[j] - mean[j]) ** 2, 0) / rows.length));
    next[0].data.forEach((v, j) => expect(v).toBeCloseTo(mean[j], 10));
    next[1].data.forEach((v, j) => expect(v).toBeCloseTo(sd[j], 10));
  });

  it('splits each class by the seed, the same rows every round', () => {
    const label = partitions.get('site-b')!.label;
    const a = validationSplit(label, 0.25, 5);
    expect(validationSplit(label, 0.25, 5)).toEqual(a);
    const positives = label.reduce((s, y) => s + y, 0);
    expect(a.validation.filter((i) => label[i] === 1).length).toBe(Math.round(0.25 * positives));
    expect(a.validation.filter((i) => label[i] === 0).length).toBe(Math.round(0.25 * (label.length - positives)));
    expect(new Set([...a.train, ...a.validation]).size).toBe(label.length);
  });

  it('refuses to send anything when its validation rows are under the minimum cohort (the attacker asks for a tiny split)', async () => {
    const small = { featureNames, x: partitions.get('site-a')!.x.slice(0, 20 * 3), label: partitions.get('site-a')!.label.slice(0, 20) };
    const params = { ...method.configure(method.initialState(), sites)['site-a'], validationSplit: { fraction: 0.1, seed: 3 } };
    await expect(method.siteStep(params, small)).rejects.toBeInstanceOf(EgressRefusedError);
  });
});
