import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainingMethod, validationSplit, type PlainModelUpdate } from '@fedrad/methods';
import { packTensor, updateLayout, type CampaignProtocol, type TrainRoundParams } from '@fedrad/protocol';
import { checkEgress } from '../src/egressGuard.js';
import { runJob } from '../src/jobs/runJob.js';
import { envelope } from './helpers.js';

// An MLP train-round at a site node (SITE_CHANNEL.md §6, the mlp rows), on site-a of
// scripts/fixtures/methods/glm-sites.R: round 0 sends the training rows' feature sums (checked
// here against the CSV's own rows), round 1 the layers and the validation sums; the egress guard
// passes exactly that layout and nothing longer.
const fixture = JSON.parse(readFileSync(new URL('../../../packages/methods/test/fixtures/glm-sites.json', import.meta.url), 'utf8')) as { sites: Record<string, { x: number[][]; y: number[] }> };
const features = ['f1', 'f2', 'f3', 'f4', 'f5'];
const site = fixture.sites['site-a'];
const dir = mkdtempSync(join(tmpdir(), 'train-round-mlp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'features.csv'), ['id,' + features.join(','), ...site.x.map((x, i) => `a-${i},${x.join(',')}`)].join('\n') + '\n');
writeFileSync(join(dir, 'outcome.csv'), ['id,label', ...site.y.map((y, i) => `a-${i},${y}`)].join('\n') + '\n');
const cohort = { name: 'training', features: join(dir, 'features.csv'), outcome: join(dir, 'outcome.csv') };

const protocol: CampaignProtocol = {
  type: 'campaign-protocol', campaignId: 'test', title: 'mlp', version: 1, outcome: { type: 'binary', label: 'y' }, features,
  model: { family: 'mlp', hiddenLayers: [3] }, trainingSites: ['site-a', 'site-b'], testSites: [], minCohortSize: 5,
  training: { strategy: 'fedavg', rounds: 5, seed: 9, earlyStopping: { validationFraction: 0.25 } },
};
const method = trainingMethod(protocol);

async function round(r: number): Promise<{ params: TrainRoundParams; update: PlainModelUpdate }> {
  const params = JSON.parse(JSON.stringify(method.configure({ ...method.initialState(), round: r }, ['site-a', 'site-b'])['site-a'])) as TrainRoundParams;
  const update = (await runJob({ envelope: envelope('train-round', params as never, r), siteId: 'site-a', cohort, minCohortSize: 5, workDir: dir })) as unknown as PlainModelUpdate;
  return { params, update };
}

describe('train-round job for an MLP', () => {
  it('round 0: the feature sums over the training rows of the seeded split, nothing else', async () => {
    const { params, update } = await round(0);
    expect(update.contents).toBe('feature-moments');
    // The split, computed here: 25 % of each class held out; the sums are over the rest.
    const byClass = [0, 1].map((c) => site.y.filter((y) => y === c).length);
    expect(update.sampleCount).toBe(site.y.length - Math.round(0.25 * byClass[0]) - Math.round(0.25 * byClass[1]));
    // The sums, from the fixture's rows (not the CSV the site read) over the training rows of methods' split.
    const { train } = validationSplit(site.y, 0.25, 9);
    const sum = update.tensors.find((t) => t.name === 'feature-sum')!.data as number[];
    const sumsq = update.tensors.find((t) => t.name === 'feature-sumsq')!.data as number[];
    features.forEach((_, j) => {
      expect(sum[j]).toBeCloseTo(train.reduce((a, i) => a + site.x[i][j], 0), 9);
      expect(sumsq[j]).toBeCloseTo(train.reduce((a, i) => a + site.x[i][j] ** 2, 0), 6);
    });
    expect(update.tensors.map((t) => [t.name, t.shape])).toEqual(Object.entries(updateLayout(params)));
  });

  it('round 1: the layers and the validation sums, which the egress guard lets out; an extra tensor it stops', async () => {
    const { params, update } = await round(1);
    expect(update.contents).toBe('parameters');
    const validation = update.tensors.find((t) => t.name === 'validation')!.data as number[];
    expect(validation[1]).toBe(site.y.length - update.sampleCount);
    expect(validation[0] / validation[1]).toBeGreaterThan(0);
    const layout = updateLayout(params);
    const packed = { ...update, tensors: update.tensors.map((t) => packTensor({ name: t.name, shape: t.shape, data: Float64Array.from(t.data as number[]) })) };
    const context = { localPatientCounts: [site.y.length], minCohortSize: 5, modelUpdateTensors: layout };
    expect(checkEgress('model-update', packed, context).allowed).toBe(true);
    const extra = { ...packed, tensors: [...packed.tensors, packTensor({ name: 'scores', shape: [site.y.length], data: new Float64Array(site.y.length) })] };
    expect(checkEgress('model-update', extra, context).allowed).toBe(false);
  });
});
