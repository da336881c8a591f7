import { assertValid, canonicalHash, isFedRadError, type CampaignProtocol, type JobEnvelope } from '@fedrad/protocol';
import { initialGlmParameters, strategyForProtocol } from '@fedrad/federation';
import { CoordinatorError } from '../errors.js';
import { appendAudit } from '../store/auditLog.js';
import { inTransaction, nowIso, type CoreContext } from './context.js';
import { openRound } from './rounds.js';

export type CampaignState = 'locked' | 'training' | 'evaluating' | 'completed' | 'failed';

export interface CampaignRecord {
  campaignId: string;
  protocol: CampaignProtocol;
  protocolHash: string;
  state: CampaignState;
  currentRound: number | null;
  createdAt: string;
  updatedAt: string;
  failure?: { code: string; message: string };
}

interface CampaignRow {
  campaign_id: string;
  protocol_json: string;
  protocol_hash: string;
  state: CampaignState;
  current_round: number | null;
  created_at: string;
  updated_at: string;
  failure_code: string | null;
  failure_message: string | null;
}

// A locked protocol never changes: parse each one once (it is read on every message).
const protocolCache = new Map<string, CampaignProtocol>();

function toRecord(ctx: CoreContext, row: Omit<CampaignRow, 'protocol_json'> & { protocol_json?: string }): CampaignRecord {
  let protocol = protocolCache.get(row.protocol_hash);
  if (!protocol) {
    const json = row.protocol_json ?? (ctx.db.prepare('SELECT protocol_json FROM campaigns WHERE campaign_id = ?').get(row.campaign_id) as { protocol_json: string }).protocol_json;
    protocolCache.set(row.protocol_hash, (protocol = JSON.parse(json) as CampaignProtocol));
  }
  return {
    campaignId: row.campaign_id,
    protocol,
    protocolHash: row.protocol_hash,
    state: row.state,
    currentRound: row.current_round,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.failure_code ? { failure: { code: row.failure_code, message: row.failure_message ?? '' } } : {}),
  };
}

// Every column but protocol_json: the protocol (tens of kB with many features) is read on a cache miss only.
const CAMPAIGN_COLUMNS = 'campaign_id, protocol_hash, state, current_round, created_at, updated_at, failure_code, failure_message';

export function findCampaign(ctx: CoreContext, campaignId: string): CampaignRecord | undefined {
  const row = ctx.db.prepare(`SELECT ${CAMPAIGN_COLUMNS} FROM campaigns WHERE campaign_id = ?`).get(campaignId) as Omit<CampaignRow, 'protocol_json'> | undefined;
  return row ? toRecord(ctx, row) : undefined;
}

export function getCampaign(ctx: CoreContext, campaignId: string): CampaignRecord {
  const c = findCampaign(ctx, campaignId);
  if (!c) throw new CoordinatorError('CAMPAIGN_NOT_FOUND', `No campaign "${campaignId}" on this coordinator; create it first with its protocol`, { campaignId });
  return c;
}

export function listCampaigns(ctx: CoreContext, states?: CampaignState[]): CampaignRecord[] {
  const rows = ctx.db.prepare(`SELECT ${CAMPAIGN_COLUMNS} FROM campaigns ORDER BY campaign_id`).all() as Array<Omit<CampaignRow, 'protocol_json'>>;
  return rows.map((row) => toRecord(ctx, row)).filter((c) => !states || states.includes(c.state));
}

/**
 * Pre-registers a campaign: validates its protocol and locks it by the SHA-256 of its canonical
 * JSON before any site sees data. The hash never changes afterwards.
 */
export function createCampaign(ctx: CoreContext, protocolDoc: unknown, actor = 'operator'): { campaignId: string; protocolHash: string } {
  const protocol = assertValid<CampaignProtocol>('campaign-protocol', protocolDoc, 'Campaign protocol');
  try {
    strategyForProtocol(protocol);
    initialGlmParameters(protocol);
  } catch (e) {
    throw new CoordinatorError('PROTOCOL_UNSUPPORTED', (e as Error).message, { campaignId: protocol.campaignId, field: isFedRadError(e) ? e.context.field : undefined }, e);
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
    if (findCampaign(ctx, protocol.campaignId)) {
      throw new CoordinatorError('CAMPAIGN_EXISTS', `Campaign "${protocol.campaignId}" already exists; a locked protocol cannot be replaced (use a new campaign id or version)`, {
        campaignId: protocol.campaignId,
      });
    }
    const at = nowIso(ctx);
    ctx.db
      .prepare("INSERT INTO campaigns (campaign_id, protocol_json, protocol_hash, state, current_round, created_at, updated_at) VALUES (?, ?, ?, 'locked', NULL, ?, ?)")
      .run(protocol.campaignId, JSON.stringify(protocol), protocolHash, at, at);
    appendAudit(ctx.db, { event: 'campaign.locked', actor, campaignId: protocol.campaignId, details: { protocolHash, title: protocol.title } }, at);
    return { campaignId: protocol.campaignId, protocolHash };
  });
}

/** Starts training: round 0 from the initial parameters. Returns the jobs to send. */
export function startCampaign(ctx: CoreContext, campaignId: string, actor = 'operator'): JobEnvelope[] {
  return inTransaction(ctx, () => {
    const c = getCampaign(ctx, campaignId);
    if (c.state !== 'locked') {
      throw new CoordinatorError('CAMPAIGN_STATE', `Campaign "${campaignId}" is ${c.state}; only a locked campaign can start`, { campaignId });
    }
    setCampaignState(ctx, campaignId, 'training', actor);
    return openRound(ctx, c, 0, initialGlmParameters(c.protocol), null);
  });
}

export function setCampaignState(ctx: CoreContext, campaignId: string, state: CampaignState, actor: string, failure?: { code: string; message: string }): void {
  const at = nowIso(ctx);
  ctx.db
    .prepare('UPDATE campaigns SET state = ?, updated_at = ?, failure_code = ?, failure_message = ? WHERE campaign_id = ?')
    .run(state, at, failure?.code ?? null, failure?.message ?? null, campaignId);
  appendAudit(ctx.db, { event: `campaign.${state}`, actor, campaignId, details: failure ? { ...failure } : {} }, at);
  ctx.emit?.({ campaignId, type: 'campaign-state', at, detail: { state, ...(failure ?? {}) } });
}
