import { FedRadError, sha256Hex, type CoordinatorAck, type JobEnvelope, type JobResult } from '@fedrad/protocol';
import { appendAudit } from '../store/auditLog.js';
import { boundFields } from '../store/auditDetails.js';
import { acceptedAck, refusedAck, type RefusalCode } from './acks.js';
import { advance } from './campaignRunner.js';
import { findCampaign, type CampaignRecord } from './campaignStore.js';
import { checkResult, type CheckedResult } from './resultCheck.js';
import { float64Bytes, float64sOf, rebuildSigned } from './resultWire.js';
import { StoreError } from '../errors.js';
import { inTransaction, nowIso, type CoreContext } from './context.js';
import { envelopeOf, findAttempt, findJob, finishJob, retryJob, type JobRecord } from './jobs.js';
import type { PeerIdentity } from './peer.js';
import { jobKindOf } from './phases/plan.js';
export { signedResultOf } from './storedResults.js';

export interface ResultOutcome {
  ack: CoordinatorAck;
  /** Jobs to send now (a retry, the next round, evaluation jobs). */
  send: JobEnvelope[];
}

class Refusal extends FedRadError {
  constructor(readonly refusal: RefusalCode, message: string) {
    super(refusal, message);
  }
}

function refuse(ctx: CoreContext, peer: PeerIdentity, doc: unknown, code: RefusalCode, message: string): ResultOutcome {
  const at = nowIso(ctx);
  const d = (doc ?? {}) as Partial<JobResult>;
  // The refused message's own fields are bounded (a hash beyond 512 characters): a site cannot inflate the log.
  const details = boundFields({ code, message, jobId: d.jobId, attempt: d.attempt, nonce: d.nonce, round: d.round, kind: d.kind });
  const campaignId = typeof d.campaignId === 'string' && findCampaign(ctx, d.campaignId) ? d.campaignId : undefined;
  inTransaction(ctx, () =>
    appendAudit(ctx.db, { event: code === 'PROTOCOL_INVALID' ? 'message.invalid' : 'result.refused', actor: peer.siteId, siteId: peer.siteId, campaignId, details }, at),
  );
  if (campaignId) ctx.emit?.({ campaignId, type: 'result-refused', at, siteId: peer.siteId, detail: details });
  return { ack: refusedAck(doc, code, message, at), send: [] };
}

/**
 * Receives a job-result from an authenticated site connection (SITE_CHANNEL.md §3): validates,
 * verifies the signature, checks job, nonce, replay and round, then commits the result, its
 * effect on the job and an audit row in one transaction — and only then returns the ack.
 */
export function acceptResult(ctx: CoreContext, peer: PeerIdentity, doc: unknown): ResultOutcome {
  return acceptChecked(ctx, peer, checkResult(doc, peer));
}

/** The store's part of acceptResult, for a result already through checkResult (which needs no database). */
export function acceptChecked(ctx: CoreContext, peer: PeerIdentity, checked: CheckedResult): ResultOutcome {
  if (!checked.ok) return refuse(ctx, peer, checked.doc, checked.code, checked.message);
  const { doc: result, resultHash } = checked;
  try {
    const job = findJob(ctx, result.jobId);
    const campaign = job ? findCampaign(ctx, job.campaignId) : undefined;
    // The phase that made the job knows its kind: its staleness, its result's checks and storage.
    const kind = job ? jobKindOf(job.kind) : undefined;
    if (!job || !campaign || !kind || job.siteId !== peer.siteId || job.campaignId !== result.campaignId || job.kind !== result.kind || campaign.protocolHash !== result.protocolHash) {
      throw new Refusal('UNKNOWN_JOB', `No job ${result.jobId} of kind ${result.kind} for site ${peer.siteId} in campaign ${result.campaignId} under protocol ${result.protocolHash}`);
    }
    const attempt = findAttempt(ctx, job.jobId, result.attempt);
    if (!attempt || attempt.nonce !== result.nonce) {
      throw new Refusal('NONCE_MISMATCH', `Nonce ${result.nonce} is not the nonce of attempt ${result.attempt} of job ${job.jobId}`);
    }
    const seen = ctx.db.prepare('SELECT 1 FROM results WHERE nonce = ?').get(result.nonce);
    if (attempt.consumedAt || seen) {
      throw new Refusal('REPLAY', `Nonce ${result.nonce} of job ${job.jobId} was already used by an earlier result; a result is accepted once`);
    }
    const stale = kind.stale?.(ctx, campaign, job);
    if (stale) throw new Refusal(stale.code, stale.message);
    if (job.state !== 'open') throw new Refusal('JOB_CLOSED', `Job ${job.jobId} is already ${job.state}; nothing more is accepted for it`);
    const isError = (result.result as { type?: string }).type === 'error-report';
    const invalid = isError ? undefined : kind.check?.(campaign, job, result.result);
    if (invalid?.failsJob) return failAtSite(ctx, peer, campaign, job, result, { code: invalid.failsJob, message: invalid.message }, invalid.code);
    if (invalid) throw new Refusal(invalid.code, invalid.message);

    const at = nowIso(ctx);
    const send: JobEnvelope[] = inTransaction(ctx, (): JobEnvelope[] => {
      ctx.db
        .prepare(
          'INSERT INTO results (job_id, campaign_id, site_id, kind, round, attempt, nonce, is_error, signed_json, tensor_data, signature, result_hash, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          job.jobId, job.campaignId, peer.siteId, job.kind, job.round, result.attempt, result.nonce, isError ? 1 : 0,
          checked.shell, checked.tensorData ? float64Bytes(checked.tensorData) : null, result.signature!.value, resultHash, at,
        );
      ctx.db.prepare('UPDATE job_attempts SET consumed_at = ? WHERE job_id = ? AND attempt = ?').run(at, job.jobId, result.attempt);
      const base = { jobId: job.jobId, attempt: result.attempt, round: job.round, resultHash };
      if (isError) {
        const report = result.result as { code: string; message: string; retryable?: boolean; caseId?: string };
        const settings = kind.attempts(campaign.protocol);
        const event = report.code === 'PROTOCOL_NOT_APPROVED' ? 'job.refused-by-site' : 'job.failed-at-site';
        appendAudit(ctx.db, { event, actor: peer.siteId, siteId: peer.siteId, campaignId: job.campaignId, details: { ...base, code: report.code, message: report.message, caseId: report.caseId } }, at);
        if (report.retryable && job.attempt < settings.maxAttempts) {
          retryJob(ctx, job.jobId, settings.deadlineSeconds, `site reported ${report.code}`);
          return [envelopeOf(ctx, findJob(ctx, job.jobId)!, campaign.protocolHash)];
        }
        finishJob(ctx, job.jobId, 'failed', { code: report.code, message: report.message });
        ctx.emit?.({ campaignId: job.campaignId, type: 'job-failed', at, siteId: peer.siteId, round: job.round ?? undefined, detail: { code: report.code, message: report.message } });
      } else {
        finishJob(ctx, job.jobId, 'done');
        kind.store?.(ctx, job, result.result, at);
        appendAudit(ctx.db, { event: 'result.accepted', actor: peer.siteId, siteId: peer.siteId, campaignId: job.campaignId, details: base }, at);
        ctx.emit?.({ campaignId: job.campaignId, type: kind.acceptedEvent, at, siteId: peer.siteId, round: job.round ?? undefined });
      }
      return [];
    });
    // The transaction above changed jobs, results and audit rows only: `campaign` is still current.
    const next = advance(ctx, campaign);
    return { ack: acceptedAck(result, at), send: [...send, ...next] };
  } catch (e) {
    if (e instanceof Refusal) return refuse(ctx, peer, result, e.refusal, e.message);
    throw e;
  }
}

/**
 * A signed result that can never count (failsJob): its nonce is consumed and its job failed with
 * the site's own fault in one transaction, so the round goes on without it at once and names that
 * site; the site gets a final refusal and drops it from its outbox.
 */
function failAtSite(
  ctx: CoreContext, peer: PeerIdentity, campaign: CampaignRecord, job: JobRecord,
  result: JobResult, failure: { code: string; message: string }, refusal: RefusalCode,
): ResultOutcome {
  const at = nowIso(ctx);
  inTransaction(ctx, () => {
    ctx.db.prepare('UPDATE job_attempts SET consumed_at = ? WHERE job_id = ? AND attempt = ?').run(at, job.jobId, result.attempt);
    finishJob(ctx, job.jobId, 'failed', failure);
    appendAudit(ctx.db, { event: 'result.refused', actor: peer.siteId, siteId: peer.siteId, campaignId: job.campaignId, details: { jobId: job.jobId, attempt: result.attempt, nonce: result.nonce, round: job.round, code: refusal, failure: failure.code, message: failure.message } }, at);
  });
  ctx.emit?.({ campaignId: job.campaignId, type: 'job-failed', at, siteId: peer.siteId, round: job.round ?? undefined, detail: failure });
  return { ack: refusedAck(result, refusal, failure.message, at), send: advance(ctx, campaign) };
}

/**
 * Group commit: the results that arrived in one event-loop turn are handled in one outer
 * transaction (each in its own savepoint), so the disk flush (synchronous = FULL) is paid once per
 * batch instead of once per site. Acks must be sent only after this returns. A bug while handling
 * one result refuses that result (INTERNAL_ERROR, retried by the site) and spares the others.
 */
export function acceptResults(ctx: CoreContext, items: ReadonlyArray<{ peer: PeerIdentity; doc: unknown }>): ResultOutcome[] {
  return inTransaction(ctx, () =>
    items.map(({ peer, doc }) => {
      try {
        return inTransaction(ctx, () => acceptResult(ctx, peer, doc));
      } catch (e) {
        return { ack: refusedAck(doc, 'INTERNAL_ERROR', `The coordinator could not process this result (${(e as Error).message}); resend it`, nowIso(ctx)), send: [] };
      }
    }),
  );
}

