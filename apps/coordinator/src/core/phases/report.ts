import { appendAudit } from '../../store/auditLog.js';
import { nowIso } from '../context.js';
import { recordStudyReport, studyReportOf } from '../report/studyReport.js';
import type { Phase } from './phase.js';

/** What the report step records as its output: the scores and what the report could not include. */
export interface ReportOutcome {
  rqsTotal: number | null;
  rqsPercentage: number | null;
  metricsScore: number | null;
  notes: string[];
}

/**
 * The last step of every campaign: the study report, built from the store (evaluations,
 * meta-analysis, model card, extraction QC, the earlier steps' outputs) with the RQS and METRICS
 * scored from the campaign's provenance, and kept in `study_reports` (read-only: campaigns.report).
 * It sends no jobs and never fails the campaign: what it cannot include or draw, it names.
 */
export const report: Phase<unknown, ReportOutcome> = {
  name: 'report',
  campaignState: 'evaluating',
  open(ctx, campaign) {
    const r = recordStudyReport(ctx, campaign);
    appendAudit(ctx.db, { event: 'report.recorded', actor: 'coordinator', campaignId: campaign.campaignId, details: { rqsTotal: r.rqs?.total ?? null, metricsScore: r.metrics?.score ?? null, notes: r.notes.length } }, nowIso(ctx));
    return [];
  },
  ready: (ctx, campaign) => ctx.db.prepare('SELECT 1 FROM study_reports WHERE campaign_id = ?').get(campaign.campaignId) !== undefined,
  close(ctx, campaign) {
    const stored = studyReportOf(ctx, campaign.campaignId)!;
    const { rqs, metrics, notes } = stored.input;
    return { status: 'done', output: { rqsTotal: rqs?.total ?? null, rqsPercentage: rqs?.percentage ?? null, metricsScore: metrics?.score ?? null, notes: notes ?? [] } };
  },
};
