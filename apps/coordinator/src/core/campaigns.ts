import { assertValid, canonicalHash, isFedRadError, type CampaignProtocol, type JobEnvelope } from '@fedrad/protocol';
import { CoordinatorError } from '../errors.js';
import { startPlan } from './campaignRunner.js';
import { getCampaign, insertCampaign } from './campaignStore.js';
import { inTransaction, type CoreContext } from './context.js';
import { phaseNamed, plan } from './phases/plan.js';
import { unsupportedFields } from './protocolSupport.js';

/**
 * Pre-registers a campaign: validates its protocol and locks it by the SHA-256 of its canonical
 * JSON before any site sees data. The hash never changes afterwards.
 */
export function createCampaign(ctx: CoreContext, protocolDoc: unknown, actor = 'operator'): { campaignId: string; protocolHash: string } {
  const protocol = assertValid<CampaignProtocol>('campaign-protocol', protocolDoc, 'Campaign protocol');
  try {
    for (const step of plan(protocol, ctx)) phaseNamed(step).validate?.(protocol);
  } catch (e) {
    throw new CoordinatorError('PROTOCOL_UNSUPPORTED', (e as Error).message, { campaignId: protocol.campaignId, field: isFedRadError(e) ? e.context.field : undefined }, e);
  }
  // Every field is carried out or refused here, naming it: a pre-registered plan runs as written.
  const unsupported = unsupportedFields(protocol);
  if (unsupported.length > 0) {
    throw new CoordinatorError(
      'PROTOCOL_UNSUPPORTED',
      `Campaign "${protocol.campaignId}" asks for what this coordinator cannot carry out: ${unsupported.map((u) => `${u.field}: ${u.reason}`).join('; ')}`,
      { campaignId: protocol.campaignId, field: unsupported[0].field },
    );
  }
  const overlap = protocol.testSites.filter((s) => protocol.trainingSites.includes(s));
  if (overlap.length > 0) {
    throw new CoordinatorError('PROTOCOL_UNSUPPORTED', `Sites ${overlap.join(', ')} are both training and independent test sites; a test site must never train`, {
      campaignId: protocol.campaignId,
      field: 'testSites',
    });
  }
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
