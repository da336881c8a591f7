import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CampaignProtocol, JobEnvelope } from '@fedrad/protocol';
import { protocolDeviations } from '../src/protocolConformance.js';
import { repoRoot } from './helpers.js';

// Under training.secureAggregation the coordinator may read no site's own sums, and a tune-round
// exchange (the LASSO path's, or the tuning step's) answers exactly those in clear: the site refuses
// it itself, naming both fields, even if a coordinator signed such a protocol past its own creation
// check. Leave-one-site-out tuning gives a site's sums by difference (total − fold sum), so it is
// refused as unmaskable; the others as not masked by this build.
const base = JSON.parse(readFileSync(join(repoRoot, 'protocols/examples/campaign-protocol/valid-1.json'), 'utf8')) as CampaignProtocol;
delete base.analysisPlan;
const SITES = ['site-a', 'site-b', 'site-c'];
const masked: CampaignProtocol = {
  ...base, campaignId: 'masked', features: ['f1', 'f2'], trainingSites: SITES, testSites: [], minCohortSize: 5,
  model: { family: 'lasso-logistic', standardize: true }, training: { strategy: 'exact-newton', rounds: 10, secureAggregation: true },
};
const exchange = (folds: object, alpha = 1) =>
  ({
    type: 'job', jobId: 'masked/tune/r0/site-a', campaignId: 'masked', protocolHash: 'ab'.repeat(32), siteId: 'site-a', kind: 'tune-round', attempt: 1, round: 0,
    deadline: '2026-12-07T12:00:00Z', nonce: 'ef'.repeat(32), params: { kind: 'tune-round', round: 0, alpha, phase: 'grid', features: ['f1', 'f2'], folds, measure: 'deviance', minCohortSize: 5 },
  }) as unknown as JobEnvelope;

describe('tune-round exchanges under secure aggregation', () => {
  it('refuses a LASSO path exchange and a tuning exchange, naming the step and training.secureAggregation', () => {
    const lasso = { ...masked, selection: { lasso: { lambda: 0.02 } } };
    expect(protocolDeviations(exchange({ scheme: 'none', count: 0 }), lasso, 'training')).toEqual([expect.stringMatching(/^selection\.lasso with training\.secureAggregation: the LASSO path's exchanges send each site's gradient and Hessian sums in clear/)]);
    const loso = { ...masked, tuning: { cv: 'leave-one-site-out' as const } };
    expect(protocolDeviations(exchange({ scheme: 'leave-one-site-out', count: 3, fold: 0 }), loso, 'training')).toEqual([expect.stringMatching(/^tuning\.cv leave-one-site-out with training\.secureAggregation: .*held-out site's.*no masking can hide/)]);
    const kfold = { ...masked, tuning: { cv: 'kfold' as const, folds: 3, seed: 1 } };
    expect(protocolDeviations(exchange({ scheme: 'kfold', count: 3, seed: 1 }), kfold, 'training')).toEqual([expect.stringMatching(/^the tuning step with training\.secureAggregation: its exchanges send each site's fold sums in clear/)]);
    // The same exchanges conform without secure aggregation.
    const clear = { ...masked.training, secureAggregation: false };
    expect(protocolDeviations(exchange({ scheme: 'none', count: 0 }), { ...lasso, training: clear }, 'training')).toEqual([]);
    expect(protocolDeviations(exchange({ scheme: 'leave-one-site-out', count: 3, fold: 0 }), { ...loso, training: clear }, 'training')).toEqual([]);
  });
});
