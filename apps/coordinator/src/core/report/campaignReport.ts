import type { CampaignProvenance, MetricsScore, RqsChecklist } from '@fedrad/protocol';
import type { StudyReport } from '@fedrad/report';
import { getCampaign } from '../campaignStore.js';
import type { CoreContext } from '../context.js';
import { renderedStudyReport } from './studyReport.js';

/** What an operator downloads: the report page, its twin, and the RQS, METRICS and provenance they were scored from. */
export interface CampaignReport {
  campaignId: string;
  html: string;
  json: StudyReport['json'];
  rqs: RqsChecklist | null;
  metrics: MetricsScore | null;
  provenance: CampaignProvenance | null;
  createdAt: string;
  renderedAt: string;
}

/** The campaign's study report for campaigns.report and `campaign export`: null until the report phase ran. */
export async function campaignReport(ctx: CoreContext, campaignId: string): Promise<CampaignReport | null> {
  getCampaign(ctx, campaignId); // an unknown campaign is refused by name
  const r = await renderedStudyReport(ctx, campaignId);
  if (!r) return null;
  return { campaignId, html: r.html!, json: r.twin!, rqs: r.input.rqs ?? null, metrics: r.input.metrics ?? null, provenance: r.provenance, createdAt: r.createdAt, renderedAt: r.renderedAt! };
}
