import type { BaselineModelEvaluation, BaselineModelName, EvaluationReport } from '@fedrad/protocol';
import { pooledReport } from '@fedrad/stats';
import type { CoreContext } from '../context.js';

/** One baseline model's pooled evaluation across the test sites, or why there is none. */
export interface BaselineMetaAnalysis {
  model: BaselineModelName;
  report: EvaluationReport | null;
  notes: string[];
}

/**
 * Pools each baseline model's evaluations across the test sites as the meta-analysis step pools
 * the model's (REML random effects, @fedrad/stats' pooledReport): each site's entry of the model,
 * read as that site's evaluation report of it (its own AUC and calibration, or its C-indices, and model hash), into
 * table baseline_meta_analyses. Never fails the campaign: what could not be pooled is a note.
 */
export function poolBaselineModels(ctx: CoreContext, campaignId: string, radiomics: ReadonlyArray<EvaluationReport & { siteId: string }>): void {
  const rows = ctx.db.prepare('SELECT site_id, model, report_json FROM baseline_evaluations WHERE campaign_id = ? ORDER BY model, site_id').all(campaignId) as Array<{ site_id: string; model: BaselineModelName; report_json: string }>;
  for (const model of [...new Set(rows.map((r) => r.model))]) {
    const own = rows.filter((r) => r.model === model);
    const reports = own.map((r): EvaluationReport => {
      const b = JSON.parse(r.report_json) as BaselineModelEvaluation;
      const site = radiomics.find((x) => x.siteId === r.site_id)!;
      return { type: 'evaluation-report', reportVersion: site.reportVersion, outcome: site.outcome, level: site.level, siteId: r.site_id, modelSha256: b.modelSha256, patientCount: b.patientCount, eventCount: b.eventCount, ...(b.discrimination ? { discrimination: b.discrimination } : {}), ...(b.survival ? { survival: b.survival } : {}), ...(b.calibration ? { calibration: b.calibration } : {}) };
    });
    let record: BaselineMetaAnalysis;
    try {
      record = reports.length < 2 ? { model, report: null, notes: [`${reports.length} test site(s) evaluated the ${model} model; a meta-analysis needs at least 2`] } : { model, report: pooledReport(reports, { method: 'REML', sources: own.map((r) => `the ${model} model at ${r.site_id}`) }), notes: [] };
    } catch (e) {
      record = { model, report: null, notes: [(e as Error).message] };
    }
    ctx.db.prepare('INSERT INTO baseline_meta_analyses (campaign_id, model, report_json, notes_json) VALUES (?, ?, ?, ?)').run(campaignId, model, record.report ? JSON.stringify(record.report) : null, JSON.stringify(record.notes));
  }
}

/** The campaign's baseline meta-analyses, by model. */
export function baselineMetaAnalysesOf(ctx: CoreContext, campaignId: string): BaselineMetaAnalysis[] {
  const rows = ctx.db.prepare('SELECT model, report_json, notes_json FROM baseline_meta_analyses WHERE campaign_id = ? ORDER BY model').all(campaignId) as Array<{ model: BaselineModelName; report_json: string | null; notes_json: string }>;
  return rows.map((r) => ({ model: r.model, report: r.report_json ? JSON.parse(r.report_json) : null, notes: JSON.parse(r.notes_json) }));
}
