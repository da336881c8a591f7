import type { CampaignProvenance, MetricsScore, RqsChecklist } from '@fedrad/protocol';
import type { ReportInput, StudyReport } from '@fedrad/report';
import { scoreMetrics, scoreRqs } from '@fedrad/rqs';
import type { CampaignRecord } from '../campaignStore.js';
import { COORDINATOR_VERSION } from '../../version.js';
import { nowIso, type CoreContext } from '../context.js';
import { campaignRecords } from './campaignRecords.js';
import { coordinatorSourceSha256 } from './sourceHash.js';
import { campaignProvenance } from './campaignProvenance.js';
import { studyReportInput } from './studyReportInput.js';

/** A campaign's stored study report: its input (every number) and, once rendered, the page and its twin. */
export interface StoredStudyReport {
  campaignId: string;
  input: ReportInput;
  /** The campaign provenance the RQS and METRICS were scored from (null when it could not be built: see the notes). */
  provenance: CampaignProvenance | null;
  createdAt: string;
  html: string | null;
  twin: StudyReport['json'] | null;
  renderedAt: string | null;
}

interface Row {
  campaign_id: string;
  input_json: string;
  provenance_json: string | null;
  created_at: string;
  html: string | null;
  twin_json: string | null;
  rendered_at: string | null;
}

/**
 * Assembles the campaign's report from the store and keeps it (the report phase, inside its
 * transaction): the RQS and METRICS scored from the provenance, and the report's input. It never
 * throws for a part it cannot make: the part is left out and a note in the report says why.
 */
export function recordStudyReport(ctx: CoreContext, campaign: CampaignRecord): { rqs?: RqsChecklist; metrics?: MetricsScore; notes: string[] } {
  const at = nowIso(ctx);
  // The version that signs the model (the coordinator's own when it signs none).
  const softwareVersion = ctx.modelSigner?.softwareVersion ?? COORDINATOR_VERSION;
  const records = campaignRecords(ctx, campaign);
  const extra: string[] = [];
  let provenance: CampaignProvenance | null = null;
  let scores: { rqs: RqsChecklist; metrics: MetricsScore } | undefined;
  try {
    provenance = campaignProvenance(records, softwareVersion, coordinatorSourceSha256());
    scores = { rqs: scoreRqs(provenance, { computedAt: at }), metrics: scoreMetrics(provenance) };
  } catch (e) {
    extra.push(`RQS and METRICS: not scored, the campaign's provenance could not be built (${(e as Error).message.slice(0, 500)}).`);
  }
  const input = studyReportInput(records, scores, at, softwareVersion);
  input.notes = [...(input.notes ?? []), ...extra];
  ctx.db
    .prepare('INSERT OR REPLACE INTO study_reports (campaign_id, input_json, provenance_json, created_at, html, twin_json, rendered_at) VALUES (?, ?, ?, ?, NULL, NULL, NULL)')
    .run(campaign.campaignId, JSON.stringify(input), provenance ? JSON.stringify(provenance) : null, at);
  return { ...(scores ?? {}), notes: input.notes };
}

/** The campaign's stored report, once the report phase has run. */
export function studyReportOf(ctx: CoreContext, campaignId: string): StoredStudyReport | undefined {
  const row = ctx.db.prepare('SELECT * FROM study_reports WHERE campaign_id = ?').get(campaignId) as Row | undefined;
  return (
    row && {
      campaignId: row.campaign_id,
      input: JSON.parse(row.input_json) as ReportInput,
      provenance: row.provenance_json ? (JSON.parse(row.provenance_json) as CampaignProvenance) : null,
      createdAt: row.created_at,
      html: row.html,
      twin: row.twin_json ? (JSON.parse(row.twin_json) as StudyReport['json']) : null,
      renderedAt: row.rendered_at,
    }
  );
}

/**
 * The campaign's report page and twin, rendered with @fedrad/report from its stored input the first
 * time they are asked for and kept (the phase runs inside a synchronous transaction; drawing the
 * plots is asynchronous). Undefined before the report phase has run. A plot that cannot be drawn
 * is named in the report (its `notDrawn`), never a failure.
 */
export async function renderedStudyReport(ctx: CoreContext, campaignId: string): Promise<StoredStudyReport | undefined> {
  const stored = studyReportOf(ctx, campaignId);
  if (!stored || stored.html !== null) return stored;
  const { buildReport } = await import('@fedrad/report');
  const report = await buildReport(stored.input);
  const at = nowIso(ctx);
  ctx.db.prepare('UPDATE study_reports SET html = ?, twin_json = ?, rendered_at = ? WHERE campaign_id = ?').run(report.html, JSON.stringify(report.json), at, campaignId);
  return { ...stored, html: report.html, twin: report.json, renderedAt: at };
}
