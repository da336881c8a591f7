import type { JobEnvelope } from '@fedrad/protocol';
import { appendAudit } from '../store/auditLog.js';
import { advanceAll } from './campaignRunner.js';
import { getCampaign } from './campaignStore.js';
import { nowIso, type CoreContext } from './context.js';
import { envelopeOf, findJob, finishJob, retryJob } from './jobs.js';
import { jobKindOf } from './phases/plan.js';

/**
 * One scheduler step (the coordinator calls it every few hundred ms, and once at start-up):
 * advances campaigns whose current phase is ready (a round's quorum + deadline, evaluations all
 * in), retries attempts past their deadline with attempt + 1 and a fresh nonce, fails jobs out of
 * attempts, then advances again. Returns the envelopes to send. Idempotent: calling it twice at
 * the same instant does nothing the second time.
 */
export function tick(ctx: CoreContext): JobEnvelope[] {
  const send: JobEnvelope[] = [];
  send.push(...advanceAll(ctx));
  const now = nowIso(ctx);
  const expired = ctx.db
    .prepare(
      `SELECT j.job_id FROM jobs j JOIN job_attempts a ON a.job_id = j.job_id AND a.attempt = j.attempt
       WHERE j.state = 'open' AND a.deadline <= ? ORDER BY j.job_id`,
    )
    .all(now) as Array<{ job_id: string }>;
  for (const { job_id } of expired) {
    const job = findJob(ctx, job_id)!;
    const campaign = getCampaign(ctx, job.campaignId);
    const settings = jobKindOf(job.kind)!.attempts(campaign.protocol);
    ctx.db.transaction(() => {
      if (job.attempt < settings.maxAttempts) {
        retryJob(ctx, job.jobId, settings.deadlineSeconds, `attempt ${job.attempt} passed its deadline`);
        send.push(envelopeOf(ctx, findJob(ctx, job.jobId)!, campaign.protocolHash));
      } else {
        finishJob(ctx, job.jobId, 'failed', { code: 'TIMED_OUT', message: `${job.siteId} did not answer ${job.jobId} in ${job.attempt} attempt(s)` });
        appendAudit(ctx.db, { event: 'job.timed-out', actor: 'coordinator', campaignId: job.campaignId, siteId: job.siteId, details: { jobId: job.jobId, attempts: job.attempt } }, now);
        ctx.emit?.({ campaignId: job.campaignId, type: 'job-failed', at: now, siteId: job.siteId, detail: { code: 'TIMED_OUT' } });
      }
    })();
  }
  send.push(...advanceAll(ctx));
  return send;
}
