import { describe, expect, it } from '@jest/globals';
import { loadInferenceModel, predictOutputs } from '@fedrad/learn';
import type { CampaignProtocol } from '@fedrad/protocol';
import { learnModelExporter } from '../src/modelExport.js';
import { protocolFor } from './fakeSites.js';

// The locked Cox model of a campaign: linear predictor xᵀβ and S(h | x) = exp(−H0(h))^exp(xᵀβ) at the
// protocol's horizon, checked against that closed form computed here.
describe('the coordinator exports a Cox campaign model with its baseline survival', () => {
  it('outputs the linear predictor and S(t | x) at the horizon', async () => {
    const protocol: CampaignProtocol = {
      ...protocolFor({ campaignId: 'cox-export', model: { family: 'cox', ties: 'efron' } }),
      outcome: { type: 'survival', time: 'days', event: 'died', horizonDays: 365 },
    };
    const beta = [0.4, -0.8, 0.02, 0.5, 0.1];
    const hazard = 0.3;
    const exporter = await learnModelExporter();
    const bytes = exporter(protocol, [{ name: 'coef', shape: [5], data: beta }, { name: 'baseline-hazard', shape: [1], data: [hazard] }], { sampleCount: 300, roundsRun: 6, converged: true });
    const model = await loadInferenceModel(bytes);
    expect(model.score).toBe('linear-predictor');
    expect(model.horizonsDays).toEqual([365]);
    const rows = [
      [1, 0.5, 30, 1, 2],
      [-2, 0, 80, 0, 0.5],
    ];
    const out = await predictOutputs(model, { ids: ['a', 'b'], featureNames: protocol.features!, values: Float64Array.from(rows.flat()), source: 'test' });
    rows.forEach((x, i) => {
      const eta = x.reduce((a, v, j) => a + Math.fround(v) * beta[j], 0);
      expect(out.score[i]).toBeCloseTo(eta, 6);
      expect(out.survival![i]).toBeCloseTo(Math.exp(-hazard) ** Math.exp(eta), 8);
    });
    await model.session.release();
  });

  it('with several horizons (outcome.horizonDays a list) outputs S(t | x) at each, in the protocol\'s order', async () => {
    const protocol: CampaignProtocol = {
      ...protocolFor({ campaignId: 'cox-export-2', model: { family: 'cox' } }),
      outcome: { type: 'survival', time: 'days', event: 'died', horizonDays: [730, 365] },
    };
    const beta = [0.4, -0.8, 0.02, 0.5, 0.1];
    const hazard = [0.5, 0.3];
    const exporter = await learnModelExporter();
    const bytes = exporter(protocol, [{ name: 'coef', shape: [5], data: beta }, { name: 'baseline-hazard', shape: [2], data: hazard }], { sampleCount: 300, roundsRun: 6, converged: true });
    const model = await loadInferenceModel(bytes);
    expect(model.horizonsDays).toEqual([730, 365]);
    const x = [1, 0.5, 30, 1, 2];
    const out = await predictOutputs(model, { ids: ['a'], featureNames: protocol.features!, values: Float64Array.from(x), source: 'test' });
    const eta = x.reduce((a, v, j) => a + Math.fround(v) * beta[j], 0);
    hazard.forEach((h, k) => expect(out.survival![k]).toBeCloseTo(Math.exp(-h) ** Math.exp(eta), 8));
    await model.session.release();
  });
});
