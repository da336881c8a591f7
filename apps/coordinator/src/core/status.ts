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

/** One site's jobs in a campaign, counted: what the console's campaign page shows per site. */
export interface SiteJobs {
  siteId: string;
  total: number;
  done: number;
  /** The site's latest job (the last created), with its failure when it failed. */
  last: { jobId: string; kind: string; round: number | null; state: string; failureCode: string | null; failureMessage: string | null } | null;
}

/**
 * The campaign's status with each site's jobs counted instead of listed (campaigns.overview): the
 * console's campaign page. At 100 sites × 50 rounds the full list is 5,000 jobs and ~0.8 MB of
 * JSON built, sent and parsed on every refetch; the page shows one line per site.
 */
export type CampaignOverview = Omit<CampaignStatus, 'jobs'> & { siteJobs: SiteJobs[] };

/** Everything an operator needs to see about one campaign, read from the store. */
export function campaignStatus(ctx: CoreContext, campaignId: string): CampaignStatus {
  const { head, tail } = statusParts(ctx, campaignId);
  return {
    ...head,
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
    ...tail,
  };
}

export function campaignOverview(ctx: CoreContext, campaignId: string): CampaignOverview {
  const { head, tail } = statusParts(ctx, campaignId);
  return { ...head, siteJobs: siteJobsOf(ctx, campaignId), ...tail };
}

/** Per site: how many jobs, how many done, and the latest (by creation: the highest rowid) — two grouped queries, no job list. */
function siteJobsOf(ctx: CoreContext, campaignId: string): SiteJobs[] {
  const counts = ctx.db.prepare("SELECT site_id, COUNT(*) AS total, SUM(state = 'done') AS done FROM jobs WHERE campaign_id = ? GROUP BY site_id ORDER BY site_id").all(campaignId) as Array<{ site_id: string; total: number; done: number }>;
  const last = new Map(
    (ctx.db
      .prepare('SELECT job_id, site_id, kind, round, state, failure_code, failure_message FROM jobs WHERE rowid IN (SELECT MAX(rowid) FROM jobs WHERE campaign_id = ? GROUP BY site_id)')
      .all(campaignId) as Array<{ job_id: string; site_id: string; kind: string; round: number | null; state: string; failure_code: string | null; failure_message: string | null }>).map((r) => [
      r.site_id,
      { jobId: r.job_id, kind: r.kind, round: r.round, state: r.state, failureCode: r.failure_code, failureMessage: r.failure_message },
    ]),
  );
  return counts.map((c) => ({ siteId: c.site_id, total: c.total, done: c.done, last: last.get(c.site_id) ?? null }));
}

/** The status but its jobs: the fields before them and after them (campaignStatus keeps its field order). */
function statusParts(ctx: CoreContext, campaignId: string) {
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
    head: {
      campaignId,
      title: c.protocol.title,
      protocolHash: c.protocolHash,
      state: c.state,
      phase: c.phase,
      plan: planStatus(ctx, c),
      currentRound: c.currentRound,
      ...(c.failure ? { failure: c.failure } : {}),
      rounds,
    },
    tail: {
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
    },
  };
}

/** The locked model's ONNX bytes, when one was exported. */
export function lockedModelOnnx(ctx: CoreContext, campaignId: string): Uint8Array | undefined {
  const row = ctx.db.prepare('SELECT onnx FROM locked_models WHERE campaign_id = ?').get(campaignId) as { onnx: Buffer | null } | undefined;
  return row?.onnx ?? undefined;
}
