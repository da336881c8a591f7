import { assertValid, canonicalHash, type CampaignProtocol, type JobEnvelope } from '@fedrad/protocol';
import { CoordinatorError } from '../errors.js';
import { startPlan } from './campaignRunner.js';
import { FINAL_STATES, getCampaign, insertCampaign, setCampaignState, type CampaignState } from './campaignStore.js';
import { inTransaction, nowIso, type CoreContext } from './context.js';
import { finishJob, jobsOf } from './jobs.js';
import { campaignRefusals, protocolNotices } from './protocolCheck.js';
import type { ProtocolNotice } from './protocolSupport.js';

/**
 * Pre-registers a campaign: validates its protocol and locks it by the SHA-256 of its canonical
 * JSON before any site sees data. The hash never changes afterwards. Returns, with the hash, what the
 * operator should know about the protocol it locked (protocolNotices).
 */
export function createCampaign(ctx: CoreContext, protocolDoc: unknown, actor = 'operator'): { campaignId: string; protocolHash: string; notices: ProtocolNotice[] } {
  const protocol = assertValid<CampaignProtocol>('campaign-protocol', protocolDoc, 'Campaign protocol');
  const refused = campaignRefusals(ctx, protocol);
  if (refused.phase) throw new CoordinatorError('PROTOCOL_UNSUPPORTED', refused.phase.reason, { campaignId: protocol.campaignId, field: refused.phase.field }, refused.phase.cause);
  // Every field is carried out or refused here, naming it: a pre-registered plan runs as written.
  if (refused.unsupported.length > 0) {
    throw new CoordinatorError(
      'PROTOCOL_UNSUPPORTED',
      `Campaign "${protocol.campaignId}" asks for what this coordinator cannot carry out: ${refused.unsupported.map((u) => `${u.field}: ${u.reason}`).join('; ')}`,
      { campaignId: protocol.campaignId, field: refused.unsupported[0].field },
    );
  }
  if (refused.overlap) throw new CoordinatorError('PROTOCOL_UNSUPPORTED', refused.overlap.reason, { campaignId: protocol.campaignId, field: refused.overlap.field });
  const protocolHash = canonicalHash(protocol);
  return inTransaction(ctx, () => {
    insertCampaign(ctx, protocol, protocolHash, actor);
    return { campaignId: protocol.campaignId, protocolHash, notices: protocolNotices(protocol) };
  });
}

/** Starts a locked campaign: the first step of its plan (training's round 0). Returns the jobs to send. */
export function startCampaign(ctx: CoreContext, campaignId: string, actor = 'operator'): JobEnvelope[] {
  return inTransaction(ctx, () => {
    const c = getCampaign(ctx, campaignId);
    if (c.state !== 'locked') {
      throw new CoordinatorError('CAMPAIGN_STATE', `Campaign "${campaignId}" is ${c.state}; only a locked campaign can start`, { campaignId });
    }
    return startPlan(ctx, c, actor);
  });
}

/** What cancelling did: the state the campaign was in and the open jobs it closed. */
export interface Cancelled {
  campaignId: string;
  state: 'cancelled';
  was: CampaignState;
  closedJobs: string[];
}

/**
 * Cancels a campaign that has not ended (locked or running), for a reason an operator gives. In
 * one transaction: every open job fails with CANCELLED (the scheduler retries only open jobs and a
 * reconnecting site is sent only open ones, so nothing more goes out for it, and a late result is
 * refused JOB_CLOSED), an open round fails, and the campaign becomes `cancelled` (a final state the
 * runner never advances; it is in the store, so a restart keeps it), audited with who, why and when.
 */
export function cancelCampaign(ctx: CoreContext, campaignId: string, reason: string, actor = 'operator'): Cancelled {
  const why = reason.trim();
  if (!why) throw new CoordinatorError('CAMPAIGN_STATE', `Cancelling campaign "${campaignId}" needs a reason (it goes into the audit log)`, { campaignId, field: 'reason' });
  return inTransaction(ctx, () => {
    const c = getCampaign(ctx, campaignId);
    if (FINAL_STATES.includes(c.state)) {
      throw new CoordinatorError('CAMPAIGN_STATE', `Campaign "${campaignId}" is ${c.state}; only a locked or running campaign can be cancelled`, { campaignId });
    }
    const at = nowIso(ctx);
    const open = jobsOf(ctx, campaignId).filter((j) => j.state === 'open');
    for (const job of open) finishJob(ctx, job.jobId, 'failed', { code: 'CANCELLED', message: `Campaign ${campaignId} was cancelled by ${actor}: ${why}` });
    ctx.db.prepare("UPDATE rounds SET state = 'failed', closed_at = ? WHERE campaign_id = ? AND state = 'open'").run(at, campaignId);
    const closedJobs = open.map((j) => j.jobId);
    setCampaignState(ctx, campaignId, 'cancelled', actor, { code: 'CANCELLED', message: why }, { reason: why, was: c.state, phase: c.phase, jobsClosed: closedJobs.length });
    return { campaignId, state: 'cancelled' as const, was: c.state, closedJobs };
  });
}
