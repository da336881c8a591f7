import { describe, expect, it } from '@jest/globals';
import { loadInferenceModel, predict } from '@fedrad/learn';
import type { CampaignProtocol } from '@fedrad/protocol';
import { learnModelExporter } from '../src/modelExport.js';
import { protocolFor } from './fakeSites.js';

// The locked MLP of a campaign (SITE_CHANNEL.md §6, the mlp row): the pooled standardisation, then
// the layers, then σ — checked against that forward pass written out here by hand.
describe('the coordinator exports an MLP campaign model', () => {
  it('gives σ(relu(((x − m)/s) W0 + b0) W1 + b1) for the test sites to evaluate', async () => {
    const protocol: CampaignProtocol = protocolFor({ campaignId: 'mlp-export', model: { family: 'mlp', hiddenLayers: [2] } });
    const p = protocol.features!.length;
    const mean = [1, 2, 30, 0, 1];
    const scale = [2, 1, 10, 1, 4];
    const W0 = Array.from({ length: p * 2 }, (_, k) => ((k * 7) % 5) / 5 - 0.4);
    const b0 = [0.1, -0.2];
    const W1 = [0.8, -1.1];
    const b1 = [0.05];
    const exporter = await learnModelExporter();
    const bytes = exporter(
      protocol,
      [
        { name: 'input-mean', shape: [p], data: mean },
        { name: 'input-scale', shape: [p], data: scale },
        { name: 'W0', shape: [p, 2], data: W0 },
        { name: 'b0', shape: [1, 2], data: b0 },
        { name: 'W1', shape: [2, 1], data: W1 },
        { name: 'b1', shape: [1, 1], data: b1 },
      ],
      { sampleCount: 300, roundsRun: 12, converged: true },
    );
    const model = await loadInferenceModel(bytes);
    expect(model.score).toBe('probability');
    const rows = [
      [1, 0.5, 30, 1, 2],
      [-2, 0, 80, 0, 0.5],
    ];
    const score = await predict(model, { ids: ['a', 'b'], featureNames: protocol.features!, values: Float64Array.from(rows.flat()), source: 'test' });
    rows.forEach((x, i) => {
      const z = x.map((v, j) => (Math.fround(v) - mean[j]) / scale[j]);
      const h = [0, 1].map((u) => Math.max(0, z.reduce((a, v, j) => a + v * W0[j * 2 + u], b0[u])));
      const eta = h[0] * W1[0] + h[1] * W1[1] + b1[0];
      expect(score[i]).toBeCloseTo(1 / (1 + Math.exp(-eta)), 10);
    });
    await model.session.release();
  });
});
