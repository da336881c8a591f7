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
