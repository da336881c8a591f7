import { planStatus, type PlanStep } from './campaignRunner.js';
import { getCampaign, type CampaignState } from './campaignStore.js';
import type { CoreContext } from './context.js';
import { jobsOf } from './jobs.js';
import { metaAnalysisOf, type MetaAnalysisRecord } from './phases/metaAnalysis.js';
import { baselineStatus, type BaselineStatus } from './phases/baselineStatus.js';
import { modelReleaseOf, type ModelRelease } from './phases/modelRelease.js';
import type { PrivacySpent } from './phases/privacySpent.js';
import type { ReproducibilityOutput } from './phases/reproducibility.js';
import { stepOutput } from './stepOutputs.js';

export interface CampaignStatus {
  campaignId: string;
  title: string;
  protocolHash: string;
  state: CampaignState;
  /** The step of the plan the campaign is in (or ended in); null before it starts. */
  phase: string | null;
  /** The campaign's plan, derived from its protocol, with each step's state. */
  plan: PlanStep[];
  currentRound: number | null;
  failure?: { code: string; message: string };
  rounds: Array<{ round: number; state: string; openedAt: string; closedAt: string | null; sites?: string[]; sampleCount?: number; loss?: number | null; parametersHash?: string; privacy?: PrivacySpent }>;
  jobs: Array<{ jobId: string; siteId: string; kind: string; round: number | null; state: string; attempt: number; failureCode: string | null; failureMessage: string | null }>;
  sites: Array<{ siteId: string; role: 'training' | 'test'; approved: boolean; lastSeenAt: string | null }>;
  model?: { modelHash: string; onnxSha256: string | null; lockedAt: string; parameters: unknown };
  /** Each site's extraction QC (counts, feature means and SDs, failures by reason, acquisition counts), when the plan extracts. */
  extractions: Array<{ siteId: string; result: unknown }>;
  /** What the reproducibility step kept and dropped (every dropped feature with its ICC), once it has closed. */
  reproducibility?: ReproducibilityOutput;
  evaluations: Array<{ siteId: string; report: unknown }>;
  /** The locked model's card and the coordinator's signature of it, when the coordinator signs models. */
  modelRelease?: ModelRelease;
  /** The pooled report of the test sites, once the meta-analysis step has run. */
  metaAnalysis?: MetaAnalysisRecord;
  /** The clinical baseline (analysisPlan.baseline): each baseline model's rounds, locked model and meta-analysis. */
  baseline?: BaselineStatus;
}

/** Everything an operator needs to see about one campaign, read from the store. */
export function campaignStatus(ctx: CoreContext, campaignId: string): CampaignStatus {
  const c = getCampaign(ctx, campaignId);
  const rounds = (ctx.db.prepare('SELECT * FROM rounds WHERE campaign_id = ? ORDER BY round').all(campaignId) as Array<{
    round: number;
    state: string;
    opened_at: string;
    closed_at: string | null;
    summary_json: string | null;
  }>).map((r) => {
    const s = r.summary_json ? JSON.parse(r.summary_json) : {};
    return { round: r.round, state: r.state, openedAt: r.opened_at, closedAt: r.closed_at, sites: s.sites, sampleCount: s.sampleCount, loss: s.loss, parametersHash: s.parametersHash, ...(s.privacy ? { privacy: s.privacy as PrivacySpent } : {}) };
  });
  const siteRow = ctx.db.prepare('SELECT approved_protocols, last_seen_at FROM sites WHERE site_id = ?');
  const sites = [
    ...c.protocol.trainingSites.map((s) => ({ siteId: s, role: 'training' as const })),
    ...c.protocol.testSites.map((s) => ({ siteId: s, role: 'test' as const })),
  ].map((s) => {
    const row = siteRow.get(s.siteId) as { approved_protocols: string; last_seen_at: string | null } | undefined;
    return { ...s, approved: row ? (JSON.parse(row.approved_protocols) as string[]).includes(c.protocolHash) : false, lastSeenAt: row?.last_seen_at ?? null };
  });
  const locked = ctx.db.prepare('SELECT model_hash, onnx_sha256, locked_at, model_json FROM locked_models WHERE campaign_id = ?').get(campaignId) as
    | { model_hash: string; onnx_sha256: string | null; locked_at: string; model_json: string }
    | undefined;
  const evaluations = (ctx.db.prepare('SELECT site_id, report_json FROM evaluations WHERE campaign_id = ? ORDER BY site_id').all(campaignId) as Array<{
    site_id: string;
    report_json: string;
  }>).map((e) => ({ siteId: e.site_id, report: JSON.parse(e.report_json) }));
  const extractions = (ctx.db.prepare('SELECT site_id, result_json FROM extractions WHERE campaign_id = ? ORDER BY site_id').all(campaignId) as Array<{
    site_id: string;
    result_json: string;
  }>).map((e) => ({ siteId: e.site_id, result: JSON.parse(e.result_json) }));
  const reproducibility = stepOutput<ReproducibilityOutput>(ctx, campaignId, 'reproducibility')?.output;
  const meta = metaAnalysisOf(ctx, campaignId);
  const release = modelReleaseOf(ctx, campaignId);
  return {
    campaignId,
    title: c.protocol.title,
    protocolHash: c.protocolHash,
    state: c.state,
    phase: c.phase,
    plan: planStatus(ctx, c),
    currentRound: c.currentRound,
    ...(c.failure ? { failure: c.failure } : {}),
    rounds,
    jobs: jobsOf(ctx, campaignId).map((j) => ({
      jobId: j.jobId,
      siteId: j.siteId,
      kind: j.kind,
      round: j.round,
      state: j.state,
      attempt: j.attempt,
      failureCode: j.failureCode,
      failureMessage: j.failureMessage,
    })),
    sites,
    ...(locked
      ? { model: { modelHash: locked.model_hash, onnxSha256: locked.onnx_sha256, lockedAt: locked.locked_at, parameters: JSON.parse(locked.model_json).parameters } }
      : {}),
    extractions,
    ...(reproducibility ? { reproducibility } : {}),
    evaluations,
    ...(release ? { modelRelease: release } : {}),
    ...(meta ? { metaAnalysis: meta } : {}),
    ...(c.protocol.analysisPlan?.baseline ? { baseline: baselineStatus(ctx, campaignId) } : {}),
  };
}

/** The locked model's ONNX bytes, when one was exported. */
export function lockedModelOnnx(ctx: CoreContext, campaignId: string): Uint8Array | undefined {
  const row = ctx.db.prepare('SELECT onnx FROM locked_models WHERE campaign_id = ?').get(campaignId) as { onnx: Buffer | null } | undefined;
  return row?.onnx ?? undefined;
}
