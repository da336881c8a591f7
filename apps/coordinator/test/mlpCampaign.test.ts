import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { exportInferenceModel } from '@fedrad/learn';
import { mlpTrainedModel, runLocalTwin, trainingMethod, type TrainingRows } from '@fedrad/methods';
import type { CampaignProtocol, EvaluateParams, JobEnvelope } from '@fedrad/protocol';
import { createCampaign, startCampaign } from '../src/core/campaigns.js';
import type { CoreContext } from '../src/core/context.js';
import { acceptResult } from '../src/core/results.js';
import { learnModelExporter } from '../src/modelExport.js';
import { openStore } from '../src/store/openStore.js';
import { answerTrainJob, makeSite, protocolFor, type FakeSite } from './fakeSites.js';

// An MLP campaign end to end on the coordinator: three training sites answer with the site node's
// own step on the rows of scripts/fixtures/methods/glm-sites.R, and the ONNX model the test site
// receives is, byte for byte, the one the local twin (`fedrad train --model mlp --sites`) trains
// on the same partitions: one implementation, two runners.
const fixture = JSON.parse(readFileSync(new URL('../../../packages/methods/test/fixtures/glm-sites.json', import.meta.url), 'utf8')) as { sites: Record<string, { x: number[][]; y: number[] }> };
const features = ['f1', 'f2', 'f3', 'f4', 'f5'];
const rowsOf = (siteId: string): TrainingRows => ({ featureNames: features, x: Float64Array.from(fixture.sites[siteId].x.flat()), label: Float64Array.from(fixture.sites[siteId].y) });
const sites: Record<string, FakeSite> = Object.fromEntries(['site-a', 'site-b', 'site-c', 'site-t1'].map((s) => [s, makeSite(s)]));

describe('an MLP campaign (FedAdam, early stopping)', () => {
  it('locks and sends the test site the same model the local twin trains', async () => {
    const ctx: CoreContext = { db: openStore(':memory:'), clock: () => new Date('2026-12-06T12:00:00Z'), exportModel: await learnModelExporter() };
    const protocol: CampaignProtocol = {
      ...protocolFor({ campaignId: 'mlp', model: { family: 'mlp', hiddenLayers: [4], activation: 'tanh' }, testSites: ['site-t1'] }),
      training: { strategy: 'fedadam', rounds: 12, localEpochs: 5, learningRate: 0.02, seed: 4, earlyStopping: { validationFraction: 0.25, patience: 3 } },
    };
    createCampaign(ctx, protocol);
    const queue = startCampaign(ctx, 'mlp');
    const evaluate: JobEnvelope[] = [];
    let rounds = 0;
    for (let job = queue.shift(); job; job = queue.shift()) {
      if (job.kind === 'train-round') {
        rounds = Math.max(rounds, job.round! + 1);
        const accepted = acceptResult(ctx, sites[job.siteId].peer, await answerTrainJob(sites[job.siteId], fixture.sites[job.siteId], job));
        expect(accepted.ack.status).toBe('accepted');
        queue.push(...accepted.send);
      } else evaluate.push(job);
    }
    expect(evaluate.map((j) => j.siteId)).toEqual(['site-t1']);
    const sent = Buffer.from((evaluate[0].params as EvaluateParams).modelOnnxBase64, 'base64');

    const twin = await runLocalTwin(trainingMethod(protocol), new Map(['site-a', 'site-b', 'site-c'].map((s) => [s, rowsOf(s)])));
    expect(twin.steps.length).toBe(rounds);
    const model = mlpTrainedModel(protocol.model, features, twin.state.parameters, { n: 0, events: 0, rounds, converged: false });
    expect(Buffer.from(exportInferenceModel(model)).equals(sent)).toBe(true);
  }, 120_000);
});
