import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { assertValid, type EvaluationReport } from '@fedrad/protocol';
import { pooledReport, type TauMethod } from '@fedrad/stats';
import { CliUsageError } from '../errors.js';
import { checkOutputPath, readDocument } from '../commandFiles.js';
import { provenanceOf, provenancePath } from '../provenance.js';

export interface MetaAnalyzeOptions {
  reports: string[];
  out: string;
  method?: string;
}

const METHODS: Record<string, TauMethod> = { reml: 'REML', dl: 'DL' };

/**
 * `fedrad meta-analyze`: pools the evaluation reports of independent test sites (each written by
 * `fedrad evaluate --site-id`) into one pooled evaluation report: every measure they share, by
 * random-effects meta-analysis (REML or DerSimonian–Laird), with the forest-plot rows. Each input
 * is validated against the evaluation-report schema, and reports of different models, outcomes or
 * confidence levels, or a site given twice, are refused naming the file.
 */
export function runMetaAnalyze(o: MetaAnalyzeOptions): EvaluationReport {
  const method = METHODS[(o.method ?? 'reml').toLowerCase()];
  if (!method) throw new CliUsageError(`--method ${o.method} is not one of reml, dl`);
  if (!o.reports?.length) throw new CliUsageError('give the site reports to pool, one --reports FILE each');
  checkOutputPath(o.out, 'pooled report');
  const reports = o.reports.map((path) => assertValid<EvaluationReport>('evaluation-report', readDocument(path, 'evaluation report'), path));
  const pooled = pooledReport(reports, { method, sources: o.reports });
  assertValid<EvaluationReport>('evaluation-report', JSON.parse(JSON.stringify(pooled)), o.out);
  writeFileSync(o.out, JSON.stringify(pooled, null, 2) + '\n');
  const provenance = provenanceOf(o.out, {
    command: 'fedrad meta-analyze',
    inputs: o.reports.map((path) => ({ role: 'evaluation report', path })),
    config: { value: { method, level: pooled.level } },
  });
  writeFileSync(provenancePath(o.out), JSON.stringify(provenance, null, 2) + '\n');
  return pooled;
}

function summary(r: EvaluationReport): string {
  const lines = (r.metaAnalyses ?? []).map((m) => {
    const f = (x: number | undefined) => (x === undefined ? 'n/a' : x.toFixed(3));
    return `${m.measure}: ${f(m.pooled.estimate)} [${f(m.pooled.lower)}, ${f(m.pooled.upper)}], prediction interval [${f(m.predictionInterval.lower)}, ${f(m.predictionInterval.upper)}], I² ${(m.i2 * 100).toFixed(0)} %, ${m.sites.length} sites`;
  });
  return [...lines, ...(r.notes ?? []).map((n) => `note: ${n}`)].join('\n');
}

export function register(program: Command): void {
  program
    .command('meta-analyze')
    .description('Pool the evaluation reports of independent test sites by random-effects meta-analysis (AUC and C-index on the logit scale, calibration slope and calibration-in-the-large); writes a pooled evaluation report with forest-plot rows')
    .requiredOption('--reports <json>', 'a site evaluation report written by fedrad evaluate --site-id (repeat once per site)', (v: string, prev: string[] = []) => [...prev, v])
    .requiredOption('--out <json>', 'where to write the pooled report')
    .option('--method <reml|dl>', 'between-site variance estimator: reml (default, as metafor::rma) or dl (DerSimonian–Laird)')
    .action((opts: MetaAnalyzeOptions) => {
      const r = runMetaAnalyze(opts);
      process.stdout.write(`${summary(r)}\n-> ${opts.out}\n`);
    });
}
