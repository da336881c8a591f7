import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { assertValid, type CampaignProvenance, type MetricsScore, type RqsChecklist } from '@fedrad/protocol';
import { scoreMetrics, scoreRqs } from '@fedrad/rqs';
import { checkOutputPath, readDocument } from '../commandFiles.js';
import { provenanceOf, provenancePath } from '../provenance.js';

export interface RqsOptions {
  provenance: string;
  out: string;
  metricsOut?: string;
}

/**
 * `fedrad rqs`: scores a campaign provenance on the RQS (and METRICS with --metrics-out), each
 * point with its evidence; both outputs validate against their schemas before they are written.
 */
export function runRqs(o: RqsOptions, clock: () => Date = () => new Date()): { rqs: RqsChecklist; metrics?: MetricsScore } {
  const provenance = assertValid<CampaignProvenance>('campaign-provenance', readDocument(o.provenance, 'campaign provenance'), o.provenance);
  checkOutputPath(o.out, 'RQS checklist');
  if (o.metricsOut) checkOutputPath(o.metricsOut, 'METRICS score');
  const computedAt = clock().toISOString();
  const rqs = assertValid<RqsChecklist>('rqs-checklist', JSON.parse(JSON.stringify(scoreRqs(provenance, { computedAt }))), o.out);
  const metrics = o.metricsOut ? assertValid<MetricsScore>('metrics-score', JSON.parse(JSON.stringify(scoreMetrics(provenance, { computedAt }))), o.metricsOut) : undefined;
  const inputs = [{ role: 'campaign provenance', path: o.provenance }];
  for (const [path, doc] of [[o.out, rqs], ...(metrics && o.metricsOut ? [[o.metricsOut, metrics] as const] : [])] as const) {
    writeFileSync(path, JSON.stringify(doc, null, 2) + '\n');
    writeFileSync(provenancePath(path), JSON.stringify(provenanceOf(path, { command: 'fedrad rqs', inputs }), null, 2) + '\n');
  }
  return { rqs, metrics };
}

export function register(program: Command): void {
  program
    .command('rqs')
    .description('Score a campaign provenance on the Radiomics Quality Score (16 items, −8..36) and, with --metrics-out, METRICS (30 weighted items), each point with its evidence')
    .requiredOption('--provenance <json>', 'campaign provenance (protocols/campaign-provenance.schema.json)')
    .requiredOption('--out <json>', 'where to write the RQS checklist')
    .option('--metrics-out <json>', 'where to write the METRICS score')
    .action((opts: RqsOptions) => {
      const { rqs, metrics } = runRqs(opts);
      const declared = rqs.declaredTotal ? ` (${rqs.derivedTotal} derived, ${rqs.declaredTotal} declared)` : '';
      process.stdout.write(`RQS ${rqs.total} / 36${declared}, ${rqs.percentage!.toFixed(1)} % -> ${opts.out}\n`);
      if (metrics) process.stdout.write(`METRICS ${metrics.score.toFixed(1)} % (${metrics.category}) -> ${opts.metricsOut}\n`);
    });
}
