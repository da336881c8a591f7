// Test doubles for site nodes: certificates from a real campaign CA (@fedrad/pki), and job
// results computed from the definitions in SITE_CHANNEL.md §6 and signed as §3 prescribes.
import { sign, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalJson, type CampaignProtocol, type JobEnvelope, type JobResult, type TrainRoundParams } from '@fedrad/protocol';
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

/** Σ over the site's patients of the logistic NLL gradient/Hessian at β, plus feature sums (SITE_CHANNEL.md §6). */
export function glmSums(data: SiteData, beta: number[], withHessian: boolean) {
  const p1 = beta.length;
  const g = new Array(p1).fill(0);
  const h = new Array(p1 * p1).fill(0);
  const fs = new Array(p1 - 1).fill(0);
  const fss = new Array(p1 - 1).fill(0);
  let loss = 0;
  data.x.forEach((row, i) => {
    const xt = [1, ...row];
    const mu = 1 / (1 + Math.exp(-xt.reduce((s, v, j) => s + v * beta[j], 0)));
    loss -= data.y[i] * Math.log(mu) + (1 - data.y[i]) * Math.log(1 - mu);
    for (let j = 0; j < p1; j++) {
      g[j] += (mu - data.y[i]) * xt[j];
      if (withHessian) for (let k = 0; k < p1; k++) h[j * p1 + k] += mu * (1 - mu) * xt[j] * xt[k];
    }
    row.forEach((v, j) => ((fs[j] += v), (fss[j] += v * v)));
  });
  const tensors = [{ name: 'gradient', shape: [p1], data: g }];
  if (withHessian) tensors.push({ name: 'hessian', shape: [p1, p1], data: h });
  tensors.push({ name: 'feature-sum', shape: [p1 - 1], data: fs }, { name: 'feature-sumsq', shape: [p1 - 1], data: fss });
  return { tensors, loss, n: data.y.length, events: data.y.reduce((a, b) => a + b, 0) };
}

export function signResult(site: FakeSite, unsigned: Omit<JobResult, 'signature'>): JobResult {
  const value = sign('sha256', Buffer.from(canonicalJson(unsigned), 'utf8'), site.keyPem).toString('base64');
  return { ...unsigned, signature: { algorithm: 'RSA-SHA256', value, signerFingerprint: site.peer.fingerprint } };
}

/** A site's answer to a train-round job on its data. */
export function answerTrainJob(site: FakeSite, data: SiteData, job: JobEnvelope): JobResult {
  const params = job.params as TrainRoundParams;
  const beta = params.globalParameters[0].data;
  let result: JobResult['result'];
  if (params.strategy === 'exact-newton' || params.strategy === 'exact-gradient') {
    const s = glmSums(data, beta, params.strategy === 'exact-newton');
    result = { kind: 'train-round', round: params.round, sampleCount: s.n, eventCount: s.events, contents: params.strategy === 'exact-newton' ? 'gradient-hessian' : 'gradient', tensors: s.tensors as never, loss: s.loss };
  } else {
    // "Local training": one gradient step on the mean loss (enough to exercise parameter strategies).
    const s = glmSums(data, beta, false);
    const local = beta.map((b, j) => b - (params.learningRate ?? 0.01) * (s.tensors[0].data[j] / s.n));
    result = { kind: 'train-round', round: params.round, sampleCount: s.n, contents: 'parameters', tensors: [{ name: 'coef', shape: [beta.length], data: local }], loss: s.loss };
  }
  return answer(site, job, result);
}

export function refuseJob(site: FakeSite, job: JobEnvelope, code: string, message: string, retryable = false): JobResult {
  return answer(site, job, { type: 'error-report', code, message, retryable });
}

/** The signed job-result a site sends for `job` with this result body. */
function answer(site: FakeSite, job: JobEnvelope, result: JobResult['result']): JobResult {
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
