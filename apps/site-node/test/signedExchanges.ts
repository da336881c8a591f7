import { sign } from 'node:crypto';
import { createCampaignCa } from '@fedrad/pki';
import { canonicalJson, packTensor, type JobEnvelope, type Tensor } from '@fedrad/protocol';
import type { ExchangeCheck } from '../src/exchangeTrajectory.js';
import { certificateIssuer } from './helpers.js';

/** A transcript as the coordinator relays it: the answers of one exchange, as their sites signed them. */
export type Transcript = { round: number; results: Array<{ signed: string; signature: string; certificatePem: string }>; failures: string[] };

export const problem = (check: ExchangeCheck) => (check.ok ? 'accepted' : check.problem);
export const roundTrip = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/**
 * A campaign's CA with its training sites' keys, for the exchange-trajectory tests: job envelopes
 * as the coordinator sends them, and each site's signed job-result with its tensors packed, as a
 * site node sends it.
 */
export function signedExchanges(campaignId: string, sites: readonly string[]) {
  const protocolHash = 'ab'.repeat(32);
  const ca = createCampaignCa({ campaignId, validityDays: 30 });
  const keys = Object.fromEntries(sites.map((s) => [s, certificateIssuer(ca)(s)]));
  const signedDoc = (unsigned: { siteId: string } & Record<string, unknown>) => {
    const signed = canonicalJson(unsigned);
    return { signed, signature: sign('sha256', Buffer.from(signed, 'utf8'), keys[unsigned.siteId].keyPem).toString('base64'), certificatePem: keys[unsigned.siteId].certPem };
  };
  const signedAnswer = (job: JobEnvelope, result: Record<string, unknown> & { tensors: Tensor[] }) =>
    signedDoc({
      type: 'job-result', jobId: job.jobId, campaignId: job.campaignId, siteId: job.siteId, protocolHash, kind: job.kind, attempt: 1, round: job.round, nonce: 'cd'.repeat(32),
      completedAt: '2026-12-07T12:00:00Z', result: { ...result, tensors: result.tensors.map((t) => packTensor(t)) },
    });
  /**
   * The same site's answer to the same job id, signed by it, but computed at another basis (or
   * none): what a site answers when a coordinator showed it another valid job for that exchange.
   */
  const rebased = (entry: { signed: string }, basis: string | undefined) => {
    const doc = JSON.parse(entry.signed) as { siteId: string; result: Record<string, unknown> };
    const { basis: _own, ...result } = doc.result;
    return signedDoc({ ...doc, result: basis === undefined ? result : { ...result, basis } });
  };
  const envelope = (jobId: string, siteId: string, kind: string, round: number, params: unknown) =>
    ({ type: 'job', jobId, campaignId, protocolHash, siteId, kind, attempt: 1, round, deadline: '2026-12-07T12:00:00Z', nonce: 'ef'.repeat(32), params }) as unknown as JobEnvelope;
  return { ca, signedAnswer, rebased, envelope };
}
