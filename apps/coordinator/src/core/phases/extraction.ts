import { canonicalHash, type CampaignProtocol, type ExtractParams, type ExtractResult } from '@fedrad/protocol';
import { createJob, jobsOf } from '../jobs.js';
import type { JobKind, Phase } from './phase.js';
import { trainingSettings } from './trainingSettings.js';

const KIND = 'extract';

/**
 * Extracting a cohort takes minutes to hours, not a round's seconds: an attempt's deadline is at
 * least an hour (a site still working answers late, and a late answer counts).
 */
const MIN_EXTRACTION_DEADLINE_SECONDS = 3600;

function extractionSettings(protocol: CampaignProtocol) {
  const t = trainingSettings(protocol);
  return { deadlineSeconds: Math.max(t.deadlineSeconds, MIN_EXTRACTION_DEADLINE_SECONDS), maxAttempts: t.maxAttempts };
}

/** The hash that pins a protocol's feature config: what every extract job carries and every result must echo. */
export function featureConfigHashOf(protocol: CampaignProtocol): string {
  return canonicalHash(protocol.featureConfig);
}

/**
 * The extract job: the protocol's feature config, pinned by hash, to every site of the campaign
 * (training and test: both need the same features). Its result is the site's aggregate QC.
 */
const extract: JobKind = {
  kind: KIND,
  jobId: (campaignId, siteId) => `${campaignId}/extract/${siteId}`,
  attempts: extractionSettings,
  check(campaign, _job, body) {
    const result = body as Partial<ExtractResult>;
    if (result.kind !== 'extract') return undefined; // an error report: the job fails with it
    const pinned = featureConfigHashOf(campaign.protocol);
    if (result.featureConfigHash !== pinned) {
      return { code: 'UPDATE_INVALID', message: `The extraction result is for feature config ${String(result.featureConfigHash)}, not the protocol's ${pinned}.` };
    }
    return undefined;
  },
  store(ctx, job, body, at) {
    ctx.db
      .prepare('INSERT OR REPLACE INTO extractions (campaign_id, site_id, result_json, received_at) VALUES (?, ?, ?, ?)')
      .run(job.campaignId, job.siteId, JSON.stringify(body), at);
  },
  acceptedEvent: 'extraction-received',
};

/**
 * Feature extraction at every site from its own images (issue #13), when the protocol pins a
 * feature config. Ready once every extract job is done or failed. Training needs its quorum of
 * training sites extracted, and evaluation at least one test site: otherwise the campaign fails
 * here, naming each site's reason, rather than in a training round.
 */
export const extraction: Phase<void, void> = {
  name: 'extraction',
  campaignState: 'training',
  applies: (protocol) => protocol.featureConfig !== undefined,
  open(ctx, campaign) {
    const p = campaign.protocol;
    const params: ExtractParams = { kind: KIND, featureConfig: p.featureConfig!, featureConfigHash: featureConfigHashOf(p) };
    const settings = extractionSettings(p);
    return [...new Set([...p.trainingSites, ...p.testSites])]
      .sort()
      .map((siteId) =>
        createJob(ctx, { jobId: extract.jobId(campaign.campaignId, siteId), campaignId: campaign.campaignId, protocolHash: campaign.protocolHash, siteId, kind: KIND, params }, settings.deadlineSeconds),
      );
  },
  ready: (ctx, campaign) => !jobsOf(ctx, campaign.campaignId, { kind: KIND }).some((j) => j.state === 'open'),
  close(ctx, campaign) {
    const p = campaign.protocol;
    const jobs = jobsOf(ctx, campaign.campaignId, { kind: KIND });
    const done = new Set(jobs.filter((j) => j.state === 'done').map((j) => j.siteId));
    const reasons = jobs.filter((j) => j.state === 'failed').map((j) => `${j.siteId} ${j.failureCode}: ${j.failureMessage}`);
    const quorum = trainingSettings(p).quorum;
    const trained = p.trainingSites.filter((s) => done.has(s)).length;
    const tested = p.testSites.filter((s) => done.has(s)).length;
    if (trained < quorum) {
      return { status: 'failed', code: 'EXTRACTION_FAILED', message: `Only ${trained} training site(s) extracted their features, fewer than the quorum of ${quorum}: ${reasons.join('; ')}` };
    }
    if (p.testSites.length > 0 && tested === 0) {
      return { status: 'failed', code: 'EXTRACTION_FAILED', message: `No test site extracted its features: ${reasons.join('; ')}` };
    }
    return { status: 'done', output: undefined };
  },
  jobKind: extract,
};
