import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { exportInferenceModel } from '@fedrad/learn';
import { mlpTrainedModel, runLocalTwin, trainingMethod } from '@fedrad/methods';
import { validate, type CampaignProtocol } from '@fedrad/protocol';
import { register, runTrain } from '../src/commands/train.js';

// `fedrad train --model mlp --sites`: the local twin of an MLP campaign. Its ONNX must be, byte for
// byte, the model the campaign's method trains over the same partitions (packages/methods), and
// the card must say federated, over which sites, and how many rounds early stopping ran.
const fixture = JSON.parse(readFileSync(new URL('../../../packages/methods/test/fixtures/glm-sites.json', import.meta.url), 'utf8')) as { sites: Record<string, { x: number[][]; y: number[] }> };
const featureNames = ['f1', 'f2', 'f3', 'f4', 'f5'];
const siteIds = Object.keys(fixture.sites);

function writeTables() {
  const dir = mkdtempSync(join(tmpdir(), 'fedrad-train-mlp-'));
  const cases = Object.entries(fixture.sites).flatMap(([siteId, d]) => d.x.map((x, i) => ({ id: `${siteId}-${i + 1}`, site: siteId, x, y: d.y[i] })));
  writeFileSync(join(dir, 'features.csv'), ['id,' + featureNames.join(','), ...cases.map((c) => [c.id, ...c.x.map(String)].join(','))].join('\n') + '\n');
  writeFileSync(join(dir, 'outcome.csv'), ['id,label', ...cases.map((c) => `${c.id},${c.y}`)].join('\n') + '\n');
  writeFileSync(join(dir, 'sites.csv'), ['id,site', ...cases.map((c) => `${c.id},${c.site}`)].join('\n') + '\n');
  return (f: string) => join(dir, f);
}

describe('fedrad train --model mlp --sites', () => {
  it('writes the model the campaign method trains over the same sites, stopping on the pooled validation loss', async () => {
    const file = writeTables();
    const program = new Command().exitOverride();
    register(program);
    const args = ['--model', 'mlp', '--hidden', '4', '--strategy', 'fedprox', '--rounds', '15', '--local-epochs', '5', '--learning-rate', '0.02', '--seed', '2', '--validation-fraction', '0.25', '--patience', '3'];
    await program.parseAsync(['train', '--features', file('features.csv'), '--outcome', file('outcome.csv'), '--sites', file('sites.csv'), ...args, '--out', file('mlp.onnx')], { from: 'user' });
    const card = JSON.parse(readFileSync(file('mlp.card.json'), 'utf8'));
    expect(validate('model-card', card).valid).toBe(true);
    expect(card.training).toMatchObject({ n: 240, optimizer: 'federated', sites: siteIds });

    const protocol: CampaignProtocol = {
      type: 'campaign-protocol', campaignId: 'twin', title: 'twin', version: 1, outcome: { type: 'binary', label: 'label' }, features: featureNames,
      model: { family: 'mlp', hiddenLayers: [4] }, trainingSites: siteIds, testSites: [], minCohortSize: 5,
      training: { strategy: 'fedprox', rounds: 15, learningRate: 0.02, localEpochs: 5, seed: 2, earlyStopping: { validationFraction: 0.25, patience: 3 } },
    };
    const partitions = new Map(siteIds.map((s) => [s, { featureNames, x: Float64Array.from(fixture.sites[s].x.flat()), label: Float64Array.from(fixture.sites[s].y) }]));
    const twin = await runLocalTwin(trainingMethod(protocol), partitions);
    expect(card.training.iterations).toBe(twin.steps.length);
    const expected = exportInferenceModel(mlpTrainedModel(protocol.model, featureNames, twin.state.parameters, { n: 240, events: 0, rounds: twin.steps.length, converged: false }));
    expect(readFileSync(file('mlp.onnx')).equals(Buffer.from(expected))).toBe(true);
  }, 120_000);

  it('refuses early-stopping flags without a federated MLP, naming them', async () => {
    const file = writeTables();
    await expect(runTrain({ features: file('features.csv'), outcome: file('outcome.csv'), model: 'mlp', patience: 3, out: file('m.onnx') })).rejects.toThrow(/--patience sets the early stopping of a federated MLP; give --model mlp and --sites/);
    await expect(runTrain({ features: file('features.csv'), outcome: file('outcome.csv'), sites: file('sites.csv'), model: 'logistic', validationFraction: 0.3, out: file('m.onnx') })).rejects.toThrow(/--validation-fraction/);
  });
});
