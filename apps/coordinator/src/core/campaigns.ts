import { assertValid, canonicalHash, type CampaignProtocol, type JobEnvelope } from '@fedrad/protocol';
import { CoordinatorError } from '../errors.js';
import { startPlan } from './campaignRunner.js';
import { getCampaign, insertCampaign } from './campaignStore.js';
import { inTransaction, type CoreContext } from './context.js';
import { campaignRefusals } from './protocolCheck.js';

/**
 * Pre-registers a campaign: validates its protocol and locks it by the SHA-256 of its canonical
 * JSON before any site sees data. The hash never changes afterwards.
 */
export function createCampaign(ctx: CoreContext, protocolDoc: unknown, actor = 'operator'): { campaignId: string; protocolHash: string } {
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
    return { campaignId: protocol.campaignId, protocolHash };
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
