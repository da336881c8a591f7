// Test doubles for site nodes: certificates from a real campaign CA (@fedrad/pki), and job
// results computed by the real site half of training (@fedrad/methods, the function a site node
// runs) and signed as §3 prescribes. What a campaign's result is checked against stays
// independent of that site half: R's pooled fits in the fixture.
import { sign, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalJson, type CampaignProtocol, type JobEnvelope, type JobResult, type TrainRoundParams } from '@fedrad/protocol';
import { trainingSiteStep } from '@fedrad/methods';
import { createCampaignCa, createSiteKeyAndCsr, issueCertificate } from '@fedrad/pki';
import { peerFromDer, type PeerIdentity } from '../src/core/peer.js';

export interface SiteData {
  x: number[][];
  y: number[];
}

const here = dirname(fileURLToPath(import.meta.url));
/** Three sites' data and R's pooled fits, written by scripts/fixtures/methods/glm-sites.R. */
export const glmFixture = JSON.parse(readFileSync(join(here, '../../../packages/methods/test/fixtures/glm-sites.json'), 'utf8')) as {
  sites: Record<string, SiteData>;
  pooledFits: Array<{ family: CampaignProtocol['model']['family']; alpha: number; lambda: number; coef: number[] }>;
};

export interface FakeSite {
  siteId: string;
  keyPem: string;
  certPem: string;
  peer: PeerIdentity;
}

let caCache: { certPem: string; keyPem: string } | undefined;
export function testCa() {
  caCache ??= createCampaignCa({ campaignId: 'test-ca', validityDays: 30 });
  return caCache;
}

export function makeSite(siteId: string): FakeSite {
  const ca = testCa();
  const { keyPem, csrPem } = createSiteKeyAndCsr(siteId);
  const certPem = issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, csrPem, validityDays: 30 });
  return { siteId, keyPem, certPem, peer: peerFromDer(new X509Certificate(certPem).raw) };
}

export function signResult(site: FakeSite, unsigned: Omit<JobResult, 'signature'>): JobResult {
  const value = sign('sha256', Buffer.from(canonicalJson(unsigned), 'utf8'), site.keyPem).toString('base64');
  return { ...unsigned, signature: { algorithm: 'RSA-SHA256', value, signerFingerprint: site.peer.fingerprint } };
}

/** A site's answer to a train-round job on its data: the site node's own site step on its rows, signed. */
export async function answerTrainJob(site: FakeSite, data: SiteData, job: JobEnvelope): Promise<JobResult> {
  const params = job.params as TrainRoundParams;
  const rows = { featureNames: params.features, x: Float64Array.from(data.x.flat()), label: Float64Array.from(data.y) };
  return answer(site, job, await trainingSiteStep(params, rows));
}

export function refuseJob(site: FakeSite, job: JobEnvelope, code: string, message: string, retryable = false): JobResult {
  return answer(site, job, { type: 'error-report', code, message, retryable });
}

/** The signed job-result a site sends for `job` with this result body (an evaluation report, a summary…). */
export function answer(site: FakeSite, job: JobEnvelope, result: JobResult['result']): JobResult {
  return signResult(site, {
    type: 'job-result',
    jobId: job.jobId,
    campaignId: job.campaignId,
    siteId: site.siteId,
    protocolHash: job.protocolHash,
    kind: job.kind,
    attempt: job.attempt,
    ...(job.round !== undefined ? { round: job.round } : {}),
    nonce: job.nonce,
    completedAt: '2026-11-26T12:00:00Z',
    result,
  });
}

export function protocolFor(overrides: { campaignId?: string; model?: CampaignProtocol['model']; training?: Partial<CampaignProtocol['training']>; testSites?: string[] } = {}): CampaignProtocol {
  return {
    type: 'campaign-protocol',
    campaignId: overrides.campaignId ?? 'sts-test',
    title: 'Test campaign',
    version: 1,
    outcome: { type: 'binary', label: 'y' },
    features: ['f1', 'f2', 'f3', 'f4', 'f5'],
    model: overrides.model ?? { family: 'elasticnet-logistic', alpha: 0.5, lambda: 0.05, standardize: true },
    trainingSites: ['site-a', 'site-b', 'site-c'],
    testSites: overrides.testSites ?? [],
    minCohortSize: 5,
    training: { strategy: 'exact-newton', rounds: 30, roundDeadlineSeconds: 60, ...overrides.training },
  };
}
