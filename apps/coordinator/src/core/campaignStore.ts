import type { CampaignProtocol } from '@fedrad/protocol';
import { CoordinatorError } from '../errors.js';
import { appendAudit } from '../store/auditLog.js';
import { nowIso, type CoreContext } from './context.js';

/** The campaign's coarse state, as the site channel's welcome shows it (coordinator-welcome.schema.json). */
export type CampaignState = 'locked' | 'training' | 'evaluating' | 'completed' | 'failed' | 'cancelled';

/** The states a campaign never leaves. */
export const FINAL_STATES: readonly CampaignState[] = ['completed', 'failed', 'cancelled'];

export interface CampaignRecord {
  campaignId: string;
  protocol: CampaignProtocol;
  protocolHash: string;
  state: CampaignState;
  /** The step of the campaign's plan it is in (or ended in); null before it starts. */
  phase: string | null;
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
  phase: string | null;
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
    phase: row.phase,
    currentRound: row.current_round,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.failure_code ? { failure: { code: row.failure_code, message: row.failure_message ?? '' } } : {}),
  };
}

// Every column but protocol_json: the protocol (tens of kB with many features) is read on a cache miss only.
const CAMPAIGN_COLUMNS = 'campaign_id, protocol_hash, state, phase, current_round, created_at, updated_at, failure_code, failure_message';

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

/** Stores a new campaign as locked under its protocol hash and audits it. Call inside a transaction. */
export function insertCampaign(ctx: CoreContext, protocol: CampaignProtocol, protocolHash: string, actor: string): void {
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
}

/** Moves a campaign to a new state, audited (with `details` beyond the failure) and announced. Call inside a transaction. */
export function setCampaignState(ctx: CoreContext, campaignId: string, state: CampaignState, actor: string, failure?: { code: string; message: string }, details: Record<string, unknown> = {}): void {
  const at = nowIso(ctx);
  ctx.db
    .prepare('UPDATE campaigns SET state = ?, updated_at = ?, failure_code = ?, failure_message = ? WHERE campaign_id = ?')
    .run(state, at, failure?.code ?? null, failure?.message ?? null, campaignId);
  appendAudit(ctx.db, { event: `campaign.${state}`, actor, campaignId, details: { ...(failure ?? {}), ...details } }, at);
  ctx.emit?.({ campaignId, type: 'campaign-state', at, detail: { state, ...(failure ?? {}) } });
}

/**
 * Records the plan step a campaign is entering. Not audited on its own: the step's own rows
 * (round opened, model locked, …) say what it did, in the same transaction.
 */
export function setCampaignPhase(ctx: CoreContext, campaignId: string, phase: string): void {
  ctx.db.prepare('UPDATE campaigns SET phase = ?, updated_at = ? WHERE campaign_id = ?').run(phase, nowIso(ctx), campaignId);
}

/** The round a campaign's training is in (shown in status and the campaign list). */
export function setCurrentRound(ctx: CoreContext, campaignId: string, round: number): void {
  ctx.db.prepare('UPDATE campaigns SET current_round = ?, updated_at = ? WHERE campaign_id = ?').run(round, nowIso(ctx), campaignId);
}
