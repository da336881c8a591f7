import { readdirSync, readFileSync } from 'node:fs';
import type { EvaluationReport, MetricsScore, ModelCard, RqsChecklist } from '@fedrad/protocol';
import type { FeatureIcc, ReportInput, SiteFeatureSummary } from '../src/index.js';

// The example run folder that scripts/report-screenshots.mjs writes (three test sites evaluated by
// fedrad's statistics on seeded synthetic cohorts, their REML meta-analysis, the RQS and METRICS of
// the example campaign provenance, a signed model card, an ICC list and per-site feature summaries
// before and after harmonisation).
const run = new URL('../../../docs/report-example/', import.meta.url);
const read = <T>(name: string) => JSON.parse(readFileSync(new URL(name, run), 'utf8')) as T;

/** The example run as the report reads it, with its first `sites` test sites. */
export function campaignRun(sites = 3): ReportInput {
  const siteReports = readdirSync(new URL('evaluations/', run))
    .sort()
    .map((f) => read<EvaluationReport>(`evaluations/${f}`))
    .slice(0, sites);
  return {
    title: 'High vs low FNCLCC grade (test campaign)',
    campaignId: 'sts-grade-2026',
    siteReports,
    pooled: read<EvaluationReport>('meta-analysis.json'),
    rqs: read<RqsChecklist>('rqs.json'),
    metrics: read<MetricsScore>('metrics.json'),
    modelCard: read<ModelCard>('model.card.json'),
    icc: read<FeatureIcc[]>('icc.json'),
    distributions: read<SiteFeatureSummary[]>('distributions.json'),
    generatedAt: '2026-12-06T12:00:00.000Z',
    softwareVersion: '0.1.0',
  };
}

/** A survival test site (the protocol example's report). */
export const survivalReport = () => JSON.parse(readFileSync(new URL('../../../protocols/examples/evaluation-report/valid-survival-site.json', import.meta.url), 'utf8')) as EvaluationReport;
