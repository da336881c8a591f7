import { canonicalHash } from '@fedrad/protocol';
import { nowIso, type CoreContext } from './context.js';

/** What a closed step of a campaign's plan produced, and the hash that pins it. */
export interface StepOutput<T = unknown> {
  phase: string;
  output: T;
  /** canonicalHash of the output: later steps and their jobs name the step's result by it. */
  outputHash: string;
  closedAt: string;
}

interface StepRow {
  phase: string;
  output_json: string;
  output_hash: string;
  closed_at: string;
}

/**
 * Records what a step produced when it closes (campaignRunner, inside its transaction), so a later
 * step reads it from the store (never from memory: a restart resumes any step) and the campaign's
 * status shows each step's output hash (issue #13: "each step's output hash recorded and feeding
 * the next"). A phase that produces nothing records null.
 */
export function recordStepOutput(ctx: CoreContext, campaignId: string, phase: string, output: unknown): string {
  const value = output === undefined ? null : output;
  const outputHash = canonicalHash(value);
  ctx.db
    .prepare('INSERT OR REPLACE INTO campaign_steps (campaign_id, phase, output_json, output_hash, closed_at) VALUES (?, ?, ?, ?, ?)')
    .run(campaignId, phase, JSON.stringify(value), outputHash, nowIso(ctx));
  return outputHash;
}

/** What a closed step of this campaign produced; undefined while the step has not closed (or is not in its plan). */
export function stepOutput<T = unknown>(ctx: CoreContext, campaignId: string, phase: string): StepOutput<T> | undefined {
  const row = ctx.db.prepare('SELECT phase, output_json, output_hash, closed_at FROM campaign_steps WHERE campaign_id = ? AND phase = ?').get(campaignId, phase) as StepRow | undefined;
  return row && { phase: row.phase, output: JSON.parse(row.output_json) as T, outputHash: row.output_hash, closedAt: row.closed_at };
}

/** Every closed step's output hash, by phase. */
export function stepOutputHashes(ctx: CoreContext, campaignId: string): Map<string, string> {
  const rows = ctx.db.prepare('SELECT phase, output_hash FROM campaign_steps WHERE campaign_id = ?').all(campaignId) as Array<{ phase: string; output_hash: string }>;
  return new Map(rows.map((r) => [r.phase, r.output_hash]));
}
