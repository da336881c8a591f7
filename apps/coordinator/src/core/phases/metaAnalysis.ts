import type { EvaluationReport } from '@fedrad/protocol';
import { pooledReport } from '@fedrad/stats';
import { appendAudit } from '../../store/auditLog.js';
import { nowIso, type CoreContext } from '../context.js';
import { evaluation, type EvaluationOutcome } from './evaluation.js';
import { poolBaselineModels } from './baselineMetaAnalysis.js';
import type { Phase } from './phase.js';

/** What the campaign's meta-analysis produced: the pooled report, or why there is none. */
export interface MetaAnalysisRecord {
  /** The pooled evaluation report (REML random effects across test sites), when two or more sites could be pooled. */
  report: EvaluationReport | null;
  /** The test sites whose reports went in, in site order. */
  sites: string[];
  /** Why nothing or not everything was pooled. */
  notes: string[];
  createdAt: string;
}

/**
 * Pools the evaluation reports of the campaign's independent test sites by random-effects
 * meta-analysis (REML, as metafor::rma; AUC and C-index on the logit scale, calibration slope and
 * calibration-in-the-large on theirs), right after evaluation. It sends no jobs and never fails the
 * campaign: with fewer than two reports (a test site failed) or nothing poolable it records why.
 */
export const metaAnalysis: Phase<EvaluationOutcome, MetaAnalysisRecord> = {
  name: 'meta-analysis',
  campaignState: 'evaluating',
  // A meta-analysis needs at least two independent test sites, evaluation to have run, and a plan that does not say "none".
  applies: (protocol, coordinator) =>
    (evaluation.applies?.(protocol, coordinator) ?? true) && protocol.testSites.length >= 2 && protocol.analysisPlan?.metaAnalysis !== 'none',
  open(ctx, campaign) {
    const rows = ctx.db.prepare('SELECT site_id, report_json FROM evaluations WHERE campaign_id = ? ORDER BY site_id').all(campaign.campaignId) as Array<{ site_id: string; report_json: string }>;
    // Each report is labelled by the site that sent it (authenticated by its certificate), not by the siteId it claims.
    const reports = rows.map((r) => ({ ...(JSON.parse(r.report_json) as EvaluationReport), siteId: r.site_id }));
    const at = nowIso(ctx);
    let record: MetaAnalysisRecord;
    if (reports.length < 2) {
      record = { report: null, sites: rows.map((r) => r.site_id), notes: [`${reports.length} of ${campaign.protocol.testSites.length} test sites returned an evaluation; a meta-analysis needs at least 2`], createdAt: at };
    } else {
      try {
        const report = pooledReport(reports, { method: 'REML', sources: rows.map((r) => `the report of ${r.site_id}`) });
        record = { report, sites: rows.map((r) => r.site_id), notes: report.notes ?? [], createdAt: at };
      } catch (e) {
        // The sites' reports could not be pooled (e.g. one evaluated another model): kept as the reason, not a campaign failure.
        record = { report: null, sites: rows.map((r) => r.site_id), notes: [(e as Error).message], createdAt: at };
      }
    }
    ctx.db
      .prepare('INSERT INTO meta_analyses (campaign_id, report_json, sites_json, notes_json, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(campaign.campaignId, record.report ? JSON.stringify(record.report) : null, JSON.stringify(record.sites), JSON.stringify(record.notes), at);
    // The baseline models' evaluations (analysisPlan.baseline), each pooled the same way.
    poolBaselineModels(ctx, campaign.campaignId, reports);
    appendAudit(ctx.db, { event: 'meta-analysis.done', actor: 'coordinator', campaignId: campaign.campaignId, details: { sites: record.sites, pooled: record.report !== null } }, at);
    return [];
  },
  ready: (ctx, campaign) => metaAnalysisOf(ctx, campaign.campaignId) !== undefined,
  close: (ctx, campaign) => ({ status: 'done', output: metaAnalysisOf(ctx, campaign.campaignId)! }),
};

/** The campaign's stored meta-analysis, once the phase has run. */
export function metaAnalysisOf(ctx: CoreContext, campaignId: string): MetaAnalysisRecord | undefined {
  const row = ctx.db.prepare('SELECT report_json, sites_json, notes_json, created_at FROM meta_analyses WHERE campaign_id = ?').get(campaignId) as
    | { report_json: string | null; sites_json: string; notes_json: string; created_at: string }
    | undefined;
  return row && { report: row.report_json ? JSON.parse(row.report_json) : null, sites: JSON.parse(row.sites_json), notes: JSON.parse(row.notes_json), createdAt: row.created_at };
}
