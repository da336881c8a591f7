import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { assertValid, type EvaluationReport, type MetricsScore, type ModelCard, type RqsChecklist } from '@fedrad/protocol';
import { CliUsageError } from '../errors.js';
import { checkOutputPath, readDocument } from '../commandFiles.js';
import { provenanceOf, provenancePath } from '../provenance.js';
import { FEDRAD_VERSION } from '../version.js';

export interface ReportOptions {
  run: string;
  out: string;
}

/** Where the JSON twin of `out` goes: report.html → report.json. */
export const twinPath = (out: string) => (out.endsWith('.html') ? `${out.slice(0, -5)}.json` : `${out}.json`);

/**
 * The files of a run folder (what `campaign export` writes) that the report reads, each validated
 * against its schema: evaluations/*.json (required), meta-analysis.json (the campaign's record, or a
 * pooled report from `fedrad meta-analyze`), rqs.json, metrics.json, model.card.json, icc.json
 * (`[{feature, icc}]`), distributions.json (each site's `{siteId, feature, stage: before|after, n, mean, sd}`)
 * and status.json (the title).
 */
function readRun(dir: string) {
  if (!existsSync(join(dir, 'evaluations'))) throw new CliUsageError(`${dir} has no evaluations/ folder; give a folder written by \`fedrad coordinator campaign export\` (or lay out evaluations/<site>.json the same way)`);
  const used: Array<{ role: string; path: string }> = [];
  const read = <T>(name: string, schema: Parameters<typeof assertValid>[0] | null, role: string): T | undefined => {
    const path = join(dir, name);
    if (!existsSync(path)) return undefined;
    used.push({ role, path });
    const doc = readDocument(path, role);
    return (schema ? assertValid<T>(schema, doc, path) : doc) as T;
  };
  const siteReports = readdirSync(join(dir, 'evaluations'))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => read<EvaluationReport>(join('evaluations', f), 'evaluation-report', 'evaluation report')!);
  if (!siteReports.length) throw new CliUsageError(`${join(dir, 'evaluations')} holds no evaluation report (*.json)`);
  const meta = read<{ report?: EvaluationReport | null; notes?: string[]; type?: string }>('meta-analysis.json', null, 'meta-analysis');
  const pooled = meta?.type === 'evaluation-report' ? assertValid<EvaluationReport>('evaluation-report', meta, join(dir, 'meta-analysis.json')) : meta?.report ? assertValid<EvaluationReport>('evaluation-report', meta.report, join(dir, 'meta-analysis.json')) : undefined;
  const status = read<{ title?: string; campaignId?: string }>('status.json', null, 'campaign status');
  const icc = read<Array<{ feature: string; icc: number }>>('icc.json', null, 'ICC per feature');
  if (icc && !(Array.isArray(icc) && icc.every((x) => typeof x?.feature === 'string' && typeof x?.icc === 'number'))) throw new CliUsageError(`${join(dir, 'icc.json')} is not a list of {"feature", "icc"}`);
  const distributions = read<Array<{ siteId: string; feature: string; stage: string; n: number; mean: number; sd: number }>>('distributions.json', null, 'feature summaries per site');
  const summaryOk = (x: { siteId?: unknown; feature?: unknown; stage?: unknown; n?: unknown; mean?: unknown; sd?: unknown }) =>
    typeof x?.siteId === 'string' && typeof x.feature === 'string' && (x.stage === 'before' || x.stage === 'after') && [x.n, x.mean, x.sd].every((v) => typeof v === 'number' && Number.isFinite(v));
  if (distributions && !(Array.isArray(distributions) && distributions.every(summaryOk)))
    throw new CliUsageError(`${join(dir, 'distributions.json')} is not a list of {"siteId", "feature", "stage": "before"|"after", "n", "mean", "sd"}`);
  return {
    used,
    input: {
      title: status?.title ?? 'FedRad study report',
      ...(status?.campaignId ? { campaignId: status.campaignId } : {}),
      siteReports,
      ...(pooled ? { pooled } : {}),
      ...(meta && !pooled && meta.notes?.length ? { notes: meta.notes.map((n) => `Meta-analysis: ${n}`) } : {}),
      rqs: read<RqsChecklist>('rqs.json', 'rqs-checklist', 'RQS checklist'),
      metrics: read<MetricsScore>('metrics.json', 'metrics-score', 'METRICS score'),
      modelCard: read<ModelCard>('model.card.json', 'model-card', 'model card'),
      ...(icc ? { icc } : {}),
      ...(distributions ? { distributions: distributions as Array<{ siteId: string; feature: string; stage: 'before' | 'after'; n: number; mean: number; sd: number }> } : {}),
    },
  };
}

/** `fedrad report`: the study report of a run folder, as one self-contained HTML file and its JSON twin. */
export async function runReport(o: ReportOptions, clock: () => Date = () => new Date()): Promise<{ html: string; twin: string; sections: string[] }> {
  checkOutputPath(o.out, 'report');
  const { used, input } = readRun(o.run);
  const { buildReport } = await import('@fedrad/report');
  const report = await buildReport({ ...input, generatedAt: clock().toISOString(), softwareVersion: FEDRAD_VERSION });
  const twin = twinPath(o.out);
  writeFileSync(o.out, report.html);
  writeFileSync(twin, JSON.stringify(report.json, null, 2) + '\n');
  for (const path of [o.out, twin]) writeFileSync(provenancePath(path), JSON.stringify(provenanceOf(path, { command: 'fedrad report', inputs: used }), null, 2) + '\n');
  return { html: o.out, twin, sections: report.json.sections.map((s) => s.id) };
}

export function register(program: Command): void {
  program
    .command('report')
    .description('Write the study report of a run folder (campaign export): one self-contained, printable HTML file with ROC, calibration, decision-curve, forest, Kaplan–Meier, feature-distribution and ICC plots, the RQS and METRICS tables, the TRIPOD+AI items for external validation and the model card, and its JSON twin')
    .requiredOption('--run <dir>', 'run folder: evaluations/*.json and, when present, meta-analysis.json, rqs.json, metrics.json, model.card.json, icc.json, distributions.json, status.json')
    .requiredOption('--out <html>', 'where to write the report (the JSON twin goes beside it, .json)')
    .action(async (opts: ReportOptions) => {
      const r = await runReport(opts);
      process.stdout.write(`report (${r.sections.join(', ')}) -> ${r.html}, numbers -> ${r.twin}\n`);
    });
}
