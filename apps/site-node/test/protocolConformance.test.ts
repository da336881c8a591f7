import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CampaignProtocol, JobEnvelope } from '@fedrad/protocol';
import { protocolDeviations } from '../src/protocolConformance.js';
import { repoRoot } from './helpers.js';

// The committed protocol and job examples are the reference: the example job (exact-newton,
// elastic net α 0.5 λ 0.05, round 3) is one the example protocol allows.
const protocol = JSON.parse(readFileSync(join(repoRoot, 'protocols/examples/campaign-protocol/valid-1.json'), 'utf8')) as CampaignProtocol;
const example = JSON.parse(readFileSync(join(repoRoot, 'protocols/examples/job-envelope/valid-1.json'), 'utf8')) as JobEnvelope;
const withFeatures = { ...protocol, features: ['f1', 'f2'] } as CampaignProtocol;

describe('a job must stay inside the approved protocol', () => {
  it('accepts the example job under the example protocol at a training site', () => {
    expect(protocolDeviations(example, withFeatures, 'training')).toEqual([]);
  });

  it('refuses another model, other features, another strategy, a round past the plan, or the wrong role', () => {
    const job = (patch: Record<string, unknown>) => ({ ...example, params: { ...example.params, ...patch } }) as JobEnvelope;
    expect(protocolDeviations(job({ model: { family: 'elasticnet-logistic', alpha: 0.5, lambda: 0.0001, standardize: true } }), withFeatures, 'training')[0]).toMatch(/model/);
    expect(protocolDeviations(job({ features: ['f1', 'f2', 'mrn'] }), withFeatures, 'training')[0]).toMatch(/features/);
    expect(protocolDeviations(job({ strategy: 'fedavg' }), withFeatures, 'training')[0]).toMatch(/strategy fedavg/);
    expect(protocolDeviations(job({ round: 20 }), withFeatures, 'training')[0]).toMatch(/beyond the protocol's 20 rounds/);
    expect(protocolDeviations(example, withFeatures, 'test')[0]).toMatch(/trains nothing/);
    expect(protocolDeviations({ ...example, campaignId: 'other' }, withFeatures, 'training')[0]).toMatch(/campaign other/);
  });
});

describe('a reproducibility job is the protocol\'s reproducibility step (#12 item 1)', () => {
  const featureConfig = { families: ['intensity_statistics'] };
  const withStep = { ...withFeatures, featureConfig, reproducibility: { source: 'perturbations', perturbations: ['none', 'erode:1'], threshold: 0.75 } } as CampaignProtocol;
  const job = (params: Record<string, unknown>) => ({ ...example, kind: 'reproducibility', round: undefined, params: { kind: 'reproducibility', source: 'perturbations', featureConfig, featureConfigHash: 'ab'.repeat(32), perturbations: ['none', 'erode:1'], ...params } }) as unknown as JobEnvelope;
  it('accepts the protocol\'s measurements at a training site (seed defaulting to 1 on both sides)', () => {
    expect(protocolDeviations(job({}), withStep, 'training')).toEqual([]);
    expect(protocolDeviations(job({ seed: 1 }), withStep, 'training')).toEqual([]);
  });
  it('refuses it without the step, at a test site, with other perturbations, another seed or source, or another config', () => {
    expect(protocolDeviations(job({}), withFeatures, 'training')).toEqual(['the protocol has no reproducibility step']);
    expect(protocolDeviations(job({}), withStep, 'test')[0]).toMatch(/only training sites measure reproducibility/);
    // More perturbations than approved would be more re-measurements of the same patients.
    expect(protocolDeviations(job({ perturbations: ['none', 'erode:1', 'dilate:1'] }), withStep, 'training')[0]).toMatch(/are not the protocol's reproducibility step/);
    expect(protocolDeviations(job({ seed: 2 }), withStep, 'training')[0]).toMatch(/are not the protocol's reproducibility step/);
    expect(protocolDeviations(job({ source: 'segmentations', perturbations: undefined }), withStep, 'training')[0]).toMatch(/are not the protocol's reproducibility step/);
    expect(protocolDeviations(job({ featureConfig: { families: ['glcm'] } }), withStep, 'training')[0]).toMatch(/feature config sent is not the protocol's/);
  });
});

describe('a training job\'s settings are the protocol method\'s, not the coordinator\'s', () => {
  // A FedAvg protocol: its method gives every site localEpochs 2 and learningRate 0.1 (the protocol's values).
  const fedavg = { ...withFeatures, model: { family: 'logistic' }, training: { strategy: 'fedavg', rounds: 5, localEpochs: 2, learningRate: 0.1, seed: 9 } } as CampaignProtocol;
  const fedavgJob = (patch: Record<string, unknown>) => ({
    ...example, round: 1, params: { kind: 'train-round', round: 1, strategy: 'fedavg', model: fedavg.model, features: ['f1', 'f2'], globalParameters: [{ name: 'coef', shape: [3], data: [0.1, 0.2, 0.3] }], ...patch },
  }) as JobEnvelope;
  it('accepts the configured settings and refuses a raised learning rate or more local epochs, naming the protocol\'s value', async () => {
    const { trainingMethod } = await import('@fedrad/methods');
    const configured = trainingMethod(fedavg).configure({ round: 1, parameters: [{ name: 'coef', shape: [3], data: [0.1, 0.2, 0.3] }], server: null }, fedavg.trainingSites)['site-a'];
    const { kind: _k, round: _r, strategy: _s, model: _m, features: _f, globalParameters: _g, ...settings } = configured;
    expect(settings).toMatchObject({ localEpochs: 2, learningRate: 0.1 });
    expect(protocolDeviations(fedavgJob(settings), fedavg, 'training')).toEqual([]);
    expect(protocolDeviations(fedavgJob({ ...settings, learningRate: 50 }), fedavg, 'training')).toEqual([expect.stringMatching(/learningRate is not what the protocol's training method gives this site for round 1 \(learningRate 0.1\)/)]);
    expect(protocolDeviations(fedavgJob({ ...settings, localEpochs: 200, clipNorm: 1e9 }), fedavg, 'training')[0]).toMatch(/clipNorm, localEpochs are not/);
  });

  // Attacker's test for central DP: the coordinator's noise is calibrated to the protocol's clip
  // norm, so a job that raises it, or drops it, would let one site's update (and a patient in
  // it) through with more weight than the ε reported accounts for. The site refuses both.
  it('under differential privacy, refuses a train-round job whose clip norm is not the protocol\'s', async () => {
    const { trainingMethod } = await import('@fedrad/methods');
    const dp = { ...fedavg, training: { ...fedavg.training, clipNorm: 0.5, differentialPrivacy: { noiseMultiplier: 1.1, delta: 1e-5 } } } as CampaignProtocol;
    const configured = trainingMethod(dp).configure({ round: 1, parameters: [{ name: 'coef', shape: [3], data: [0.1, 0.2, 0.3] }], server: null }, dp.trainingSites)['site-a'];
    const { kind: _k, round: _r, strategy: _s, model: _m, features: _f, globalParameters: _g, ...settings } = configured;
    expect(settings).toMatchObject({ clipNorm: 0.5 });
    expect(protocolDeviations(fedavgJob(settings), dp, 'training')).toEqual([]);
    expect(protocolDeviations(fedavgJob({ ...settings, clipNorm: 50 }), dp, 'training')).toEqual([expect.stringMatching(/clipNorm is not what the protocol's training method gives this site for round 1 \(clipNorm 0.5\)/)]);
    const { clipNorm: _c, ...unclipped } = settings;
    expect(protocolDeviations(fedavgJob(unclipped), dp, 'training')).toEqual([expect.stringMatching(/clipNorm is not what the protocol's training method gives this site/)]);
  });
});

describe('an exchange of the selection step\'s LASSO path is the protocol\'s selection.lasso (#12 item 3)', () => {
  const withLasso = { ...withFeatures, model: { family: 'lasso-logistic' }, selection: { lasso: { lambda: 0.05 } } } as CampaignProtocol;
  const path = (params: Record<string, unknown>, round = 0) =>
    ({
      ...example, kind: 'tune-round', round,
      params: { kind: 'tune-round', round, alpha: 1, phase: 'path', features: ['f1', 'f2'], folds: { scheme: 'none', count: 0 }, measure: 'deviance', minCohortSize: withLasso.minCohortSize, ...params },
    }) as JobEnvelope;
  it('accepts the path\'s exchange at a training site, without a tuning step', () => {
    expect(protocolDeviations(path({}), withLasso, 'training')).toEqual([]);
  });
  it('refuses it without the LASSO step, at another α, criterion or minimum cohort, or beyond the exchanges its path can need', () => {
    expect(protocolDeviations(path({}), withFeatures, 'training')).toEqual(["the protocol's selection has no LASSO step, so it asks for no exchange without folds"]);
    expect(protocolDeviations(path({ alpha: 0.5 }), withLasso, 'training')[0]).toMatch(/alpha 0.5 is not the protocol's LASSO step's 1/);
    expect(protocolDeviations(path({ measure: 'auc' }), withLasso, 'training')[0]).toMatch(/criterion auc/);
    expect(protocolDeviations(path({ minCohortSize: 1 }), withLasso, 'training')[0]).toMatch(/minCohortSize 1/);
    // One λ: the grid step, at most selection.lasso.maxIterations (default 25) Newton steps and a last step: 27 exchanges, 0 … 26.
    expect(protocolDeviations(path({ round: 26 }, 26), withLasso, 'training')).toEqual([]);
    expect(protocolDeviations(path({ round: 27 }, 27), withLasso, 'training')[0]).toMatch(/beyond the 27/);
    const fewer = { ...withLasso, selection: { ...withLasso.selection, lasso: { ...withLasso.selection!.lasso, maxIterations: 5 } } };
    expect(protocolDeviations(path({ round: 7 }, 7), fewer, 'training')[0]).toMatch(/beyond the 7/);
    expect(protocolDeviations(path({ features: ['f1', 'mrn'] }), withLasso, 'training')[0]).toMatch(/"mrn" are not among/);
  });
});

describe('a select job of a survival campaign asks for the Cox score sums with the protocol\'s ties, and only then', () => {
  const cox = { ...withFeatures, model: { family: 'cox', ties: 'efron' }, outcome: { type: 'survival', time: 'time', event: 'event' }, selection: { fdr: 0.1 } } as CampaignProtocol;
  const binary = { ...withFeatures, selection: { fdr: 0.1 } } as CampaignProtocol;
  const select = (params: Record<string, unknown>) => ({ ...example, kind: 'select', round: undefined, params: { kind: 'select', features: ['f1', 'f2'], minCohortSize: withFeatures.minCohortSize, ...params } }) as JobEnvelope;
  it('accepts the protocol\'s test', () => {
    expect(protocolDeviations(select({ survival: { ties: 'efron' } }), cox, 'training')).toEqual([]);
    expect(protocolDeviations(select({}), binary, 'training')).toEqual([]);
  });
  it('refuses other ties, Cox sums of a binary campaign, and a survival campaign\'s job without them', () => {
    expect(protocolDeviations(select({ survival: { ties: 'breslow' } }), cox, 'training')[0]).toMatch(/survival test \{"ties":"breslow"\} is not the protocol's \{"ties":"efron"\}/);
    expect(protocolDeviations(select({ survival: { ties: 'breslow' } }), binary, 'training')[0]).toMatch(/is not the protocol's null/);
    expect(protocolDeviations(select({}), cox, 'training')[0]).toMatch(/survival test null/);
  });
});

describe('a tuning exchange names the protocol\'s λ grid, and a Cox protocol\'s exchanges are glmnet\'s Cox (#12 item 4)', () => {
  const cox = { ...withFeatures, trainingSites: ['site-a', 'site-b'], model: { family: 'cox', ties: 'breslow' }, outcome: { type: 'survival', time: 'time', event: 'event' }, tuning: { cv: 'leave-one-site-out', lambdas: [0.05, 0.2, 0.1] } } as CampaignProtocol;
  const logistic = { ...cox, model: { family: 'lasso-logistic' }, outcome: { type: 'binary', label: 'y' } } as CampaignProtocol;
  const exchange = (params: Record<string, unknown>) =>
    ({
      ...example, kind: 'tune-round', round: 1, siteId: 'site-a',
      params: { kind: 'tune-round', round: 1, alpha: 1, phase: 'path', features: ['f1', 'f2'], folds: { scheme: 'leave-one-site-out', count: 2, fold: 0 }, measure: 'deviance', minCohortSize: withFeatures.minCohortSize, lambdas: [0.2, 0.1, 0.05], ...params },
    }) as JobEnvelope;
  it('accepts the protocol\'s grid (sorted decreasing) with Breslow\'s ties under a Cox protocol, and without under a logistic one', () => {
    expect(protocolDeviations(exchange({ ties: 'breslow', beta: [[0, 0], [0, 0], [0, 0]] }), cox, 'training')).toEqual([]);
    expect(protocolDeviations(exchange({ coef: [[0, 0, 0], [0, 0, 0], [0, 0, 0]] }), logistic, 'training')).toEqual([]);
    expect(protocolDeviations(exchange({ phase: 'grid', lambdas: undefined, ties: 'breslow' }), cox, 'training')).toEqual([]);
  });
  it('refuses another grid, a grid on the grid exchange, a logistic exchange under a Cox protocol and a Cox one under a logistic protocol', () => {
    expect(protocolDeviations(exchange({ ties: 'breslow', lambdas: [0.2, 0.1, 0.01] }), cox, 'training')).toEqual(["the λ grid [0.2,0.1,0.01] is not the protocol's tuning.lambdas [0.2,0.1,0.05]"]);
    expect(protocolDeviations(exchange({ ties: 'breslow', phase: 'grid' }), cox, 'training')).toEqual(['the grid exchange comes before any λ grid, and the job names one']);
    expect(protocolDeviations(exchange({ coef: [[0, 0, 0]] }), cox, 'training')).toEqual(["the ties absent are not the Cox tuning's Breslow ties of the protocol's model", "the protocol's model is a Cox model, and the job sends logistic coefficients (coef)"]);
    expect(protocolDeviations(exchange({ ties: 'efron' }), cox, 'training')).toEqual(["the ties efron are not the Cox tuning's Breslow ties of the protocol's model"]);
    expect(protocolDeviations(exchange({ ties: 'breslow', beta: [[0, 0]] }), logistic, 'training')).toEqual(["the protocol's model is not a Cox model, and the job asks for a Cox exchange (ties, beta)"]);
    // An approved Cox protocol whose tuning this build cannot carry out (creation refuses it; a site holding one refuses its exchanges too).
    expect(protocolDeviations(exchange({ ties: 'breslow' }), { ...cox, model: { family: 'cox', ties: 'efron' } } as CampaignProtocol, 'training')[0]).toMatch(/cannot cross-validate its Cox model: model.ties efron/);
  });
});
