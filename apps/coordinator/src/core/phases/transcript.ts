import type { CampaignRecord } from '../campaignStore.js';
import type { CoreContext } from '../context.js';
import { jobsOf } from '../jobs.js';
import { signedResultOf } from '../storedResults.js';
import { StoreError } from '../../errors.js';
import type { JobEnvelope, TrainRoundParams } from '@fedrad/protocol';

/**
 * The transcript a training job of round r carries when the protocol shares site updates
 * (training.shareSiteUpdates, issue #16's trajectory check): every update the aggregate of round
 * r − 1 took, as its site signed it (the stored signed text, checked against its hash, and the
 * signature), with the certificate of that site, and the sites that failed. Sorted by site id, the
 * order the aggregate read them in, so a site recomputes exactly the coordinator's step.
 */
export function roundTranscript(ctx: CoreContext, campaign: CampaignRecord, round: number): NonNullable<TrainRoundParams['transcript']> {
  return exchangeTranscript(ctx, campaign, 'train-round', round);
}

/**
 * The same transcript for any exchange whose next parameters the coordinator computes from the
 * sites' answers: the answers of `kind`'s job round `round` as their sites signed them, and the
 * failed sites (a LASSO path exchange, a baseline round; apps/site-node's exchangeTrajectory.ts).
 */
export function exchangeTranscript(ctx: CoreContext, campaign: CampaignRecord, kind: JobEnvelope['kind'], round: number): NonNullable<TrainRoundParams['transcript']> {
  const rows = ctx.db
    .prepare('SELECT site_id, nonce FROM results WHERE campaign_id = ? AND round = ? AND kind = ? AND is_error = 0 ORDER BY site_id')
    .all(campaign.campaignId, round, kind) as Array<{ site_id: string; nonce: string }>;
  const results = rows.map(({ site_id: siteId, nonce }) => {
    const stored = signedResultOf(ctx, nonce)!;
    return { signed: stored.signed, signature: stored.signature, certificatePem: siteCertificate(ctx, siteId, `its signed ${kind} answer of round ${round} in the transcript`) };
  });
  const failures = jobsOf(ctx, campaign.campaignId, { round, kind }).filter((j) => j.state === 'failed').map((j) => j.siteId).sort();
  return { round, results, failures };
}

/** The newest recorded certificate of a site, which other sites check its relayed signed results under. */
export function siteCertificate(ctx: CoreContext, siteId: string, what: string): string {
  const cert = ctx.db
    .prepare('SELECT certificate_pem FROM certificates WHERE site_id = ? AND certificate_pem IS NOT NULL ORDER BY recorded_at DESC LIMIT 1')
    .get(siteId) as { certificate_pem: string } | undefined;
  if (!cert) throw new StoreError(`No certificate of ${siteId} is recorded, so ${what} cannot be relayed`, ctx.db.name);
  return cert.certificate_pem;
}
