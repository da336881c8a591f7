import type { CampaignProtocol, MetricsScore, RqsChecklist } from '@fedrad/protocol';
import type { FeatureIcc, ReportInput, SiteFeatureSummary, StudyRecord } from '@fedrad/report';
import { featureConfigHashOf } from '../phases/extraction.js';
import type { CampaignRecords } from './campaignRecords.js';

/** The protocol's outcome in words, for the report's TRIPOD+AI items. */
function outcomeOf(p: CampaignProtocol): string {
  const o = p.outcome;
  return o.type === 'binary' ? `binary: ${o.label}` : `survival: ${o.event} (time ${o.time}${o.horizonDays !== undefined ? `, horizon ${o.horizonDays} days` : ''})`;
}

/**
 * Per-site feature summaries for the distributions plot: after harmonisation, both stages from the
 * step's per-site summaries; without them, the sites' extraction QC (before) only, and a note says
 * what is missing.
 */
function distributionsOf(records: CampaignRecords, notes: string[]): SiteFeatureSummary[] {
  const h = records.harmonization;
  if (h?.siteSummaries?.length) {
    return h.siteSummaries.flatMap((s) =>
      s.features.flatMap((f) => [
        { siteId: s.siteId, feature: f.name, stage: 'before' as const, n: f.n, mean: f.before.mean, sd: f.before.sd },
        { siteId: s.siteId, feature: f.name, stage: 'after' as const, n: f.n, mean: f.after.mean, sd: f.after.sd },
      ]),
    );
  }
  if (h) notes.push(`Feature distributions after harmonisation: not drawn, the harmonisation step (${h.method}) recorded no per-site summaries (siteSummaries).`);
  return records.extractions.flatMap((e) => e.result.summaries.map((s) => ({ siteId: e.siteId, feature: s.name, stage: 'before' as const, n: s.n, mean: s.mean, sd: s.sd })));
}

/** The features' ICCs from the reproducibility step: every feature's when it gives them, else the dropped ones', said so. */
function iccOf(records: CampaignRecords, notes: string[]): FeatureIcc[] {
  const r = records.reproducibility;
  if (!r) return [];
  if (r.iccs?.length) return r.iccs.map((x) => ({ feature: x.feature, icc: x.icc }));
  if (r.kept.length) notes.push(`ICC distribution: the reproducibility step gives the ICC of its ${r.dropped.length} dropped feature(s) only, not of the ${r.kept.length} kept; the plot shows the dropped ones.`);
  return r.dropped.map((x) => ({ feature: x.feature, icc: x.icc }));
}

/**
 * The report's input from what the coordinator stored about a finished campaign: the test sites'
 * evaluations, the meta-analysis, the signed model card, the RQS and METRICS scored from the
 * campaign's provenance, the features' ICCs and their distributions per site, and the study's
 * sites for TRIPOD+AI. Each part that is missing is left out with a note saying why.
 */
export function studyReportInput(records: CampaignRecords, scores: { rqs: RqsChecklist; metrics: MetricsScore } | undefined, at: string, softwareVersion: string): ReportInput {
  const { campaign, evaluations, extractions, meta, release } = records;
  const p = campaign.protocol;
  const notes: string[] = [];
  if (!evaluations.length) notes.push(p.testSites.length ? `No test site returned an evaluation (${p.testSites.join(', ')}).` : 'The protocol names no independent test site: the model was not externally validated.');
  if (meta && !meta.report) notes.push(...meta.notes.map((n) => `Meta-analysis: ${n}`));
  if (!release) notes.push('No signed model card: this coordinator does not sign models, or the model was not exported.');
  const extractionOf = new Map(extractions.map((e) => [e.siteId, e.result]));
  const evaluationOf = new Map(evaluations.map((r) => [r.siteId!, r]));
  const study: StudyRecord = {
    ...(p.question ? { question: p.question } : {}),
    outcome: outcomeOf(p),
    protocolHash: campaign.protocolHash,
    sites: [...p.trainingSites.map((s) => [s, 'training'] as const), ...p.testSites.map((s) => [s, 'test'] as const)].map(([siteId, role]) => {
      const x = extractionOf.get(siteId);
      const e = evaluationOf.get(siteId);
      const patientCount = e?.patientCount ?? x?.patientCount ?? records.trainingCounts.get(siteId);
      return {
        siteId,
        role,
        ...(patientCount !== undefined ? { patientCount } : {}),
        ...(e ? { eventCount: e.eventCount } : {}),
        ...(x ? { failedCases: x.failedCases, ...(x.missingOutcome !== undefined ? { missingOutcome: x.missingOutcome } : {}) } : {}),
      };
    }),
    ...(p.featureConfig ? { featureConfigSha256: featureConfigHashOf(p) } : {}),
    ...(records.harmonization ? { harmonisation: String(records.harmonization.method) } : {}),
    ...(p.codeRepository ? { codeRepository: p.codeRepository } : {}),
    ...(records.selection ? { selection: `${records.selection.features.length} features selected` } : {}),
  };
  const distributions = distributionsOf(records, notes);
  const icc = iccOf(records, notes);
  return {
    title: p.title,
    campaignId: campaign.campaignId,
    siteReports: evaluations,
    ...(meta?.report ? { pooled: meta.report } : {}),
    ...(scores ? { rqs: scores.rqs, metrics: scores.metrics } : {}),
    ...(release ? { modelCard: release.card } : {}),
    ...(icc.length ? { icc } : {}),
    ...(distributions.length ? { distributions } : {}),
    study,
    notes,
    generatedAt: at,
    softwareVersion,
  };
}
