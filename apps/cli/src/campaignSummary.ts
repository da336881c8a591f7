import type { CoordinatorClient } from '@fedrad/coordinator';

/** A campaign's status as the operator API returns it. */
type CampaignStatus = Awaited<ReturnType<CoordinatorClient['campaigns']['status']>>;

interface IntervalValue {
  estimate: number;
  lower?: number;
  upper?: number;
}

/** The parts of an evaluation report (protocols/evaluation-report.schema.json) a summary prints. */
export interface EvaluationSummary {
  patientCount: number;
  eventCount: number;
  /** Binary outcome: the AUC. */
  discrimination?: { auc: IntervalValue };
  /** Survival outcome: the C-indices. */
  survival?: { harrellC: IntervalValue };
  calibration?: {
    calibrationInTheLarge: IntervalValue;
    /** Absent when not estimable at the site (its predictions separate the outcome; the report's notes say so). */
    slope?: IntervalValue;
    brier: IntervalValue;
    scaledBrier: IntervalValue;
    hosmerLemeshow?: { statistic: number; df: number; pValue: number };
  };
  /** The paired test against the clinical baseline model (analysisPlan.baseline): DeLong's of the AUCs, or the paired bootstrap of Harrell's C. */
  baselineComparison?: { baseline: IntervalValue; difference: IntervalValue; pValue: number; method?: string };
  baselineModels?: Array<{ model: string; discrimination?: { auc: IntervalValue }; survival?: { harrellC: IntervalValue }; baselineComparison?: { difference: IntervalValue; pValue: number; method?: string } }>;
  missingCovariates?: number;
}

// "−0.181 to 0.494", not "-0.181–0.494": a dash between bounds reads as a minus sign.
const num = (x: number, digits: number) => x.toFixed(digits).replace(/^-/, '−');
const ci = (v: IntervalValue, digits = 3) =>
  `${num(v.estimate, digits)}${v.lower !== undefined && v.upper !== undefined ? ` (95% CI ${num(v.lower, digits)} to ${num(v.upper, digits)})` : ''}`;

/** One test site's evaluation in the lines the demo and `campaign wait` print. */
export function evaluationLines(siteId: string, r: EvaluationSummary): string[] {
  // A binary model is read by its AUC, a Cox model by Harrell's C; the paired tests say which they are.
  const measure = (m: { discrimination?: { auc: IntervalValue }; survival?: { harrellC: IntervalValue } }) => (m.discrimination ? `AUC ${ci(m.discrimination.auc)}` : m.survival ? `Harrell's C ${ci(m.survival.harrellC)}` : 'not evaluated');
  const paired = (c: { method?: string }) => (c.method === 'bootstrap-paired' ? 'paired bootstrap' : 'paired DeLong');
  const lines = [`independent test site ${siteId}: ${r.patientCount} patients, ${r.eventCount} events`];
  if (r.discrimination) lines.push(`  AUC                       ${ci(r.discrimination.auc)}  [DeLong]`);
  if (r.survival) lines.push(`  Harrell's C               ${ci(r.survival.harrellC)}  [bootstrap]`);
  if (r.baselineModels?.length) {
    lines.push(`  baseline models on the same patients${r.missingCovariates ? ` (${r.missingCovariates} without every covariate left out)` : ''}:`);
    for (const b of r.baselineModels) {
      const vs = b.baselineComparison ? `  vs clinical Δ ${ci(b.baselineComparison.difference)}, p = ${b.baselineComparison.pValue.toPrecision(3)}  [${paired(b.baselineComparison)}]` : '';
      lines.push(`    ${b.model.padEnd(8)} ${measure(b)}${vs}`);
    }
    if (r.baselineComparison) lines.push(`    radiomics vs clinical Δ ${ci(r.baselineComparison.difference)}, p = ${r.baselineComparison.pValue.toPrecision(3)}  [${paired(r.baselineComparison)}]`);
  }
  if (r.calibration) {
    const hl = r.calibration.hosmerLemeshow;
    lines.push(
      `  calibration-in-the-large  ${ci(r.calibration.calibrationInTheLarge)}  (ideal 0)`,
      `  calibration slope         ${r.calibration.slope ? `${ci(r.calibration.slope)}  (ideal 1)` : "not estimable at this site (see the report's notes)"}`,
      `  Brier score               ${ci(r.calibration.brier)}  [bootstrap]`,
      `  scaled Brier              ${ci(r.calibration.scaledBrier)}`,
      hl ? `  Hosmer–Lemeshow           χ² = ${hl.statistic.toFixed(2)} on ${hl.df} df, p = ${hl.pValue.toFixed(3)}` : '  Hosmer–Lemeshow           not reported (fewer than 3 risk groups: see the report\'s notes)',
    );
  }
  return lines;
}

/** A campaign's status as a person reads it: state, rounds, sites, locked model, evaluations (the JSON stays for `--json`). */
export function campaignSummary(s: CampaignStatus): string {
  const lines = [`campaign ${s.campaignId}: ${s.title}`, `state      ${s.state}${s.failure ? ` (${s.failure.code}: ${s.failure.message})` : ''}`, `protocol   ${s.protocolHash}`];
  lines.push(`sites      ${s.sites.map((x) => `${x.siteId} (${x.role}${x.approved ? '' : ', not approved'})`).join(', ')}`);
  const closed = s.rounds.filter((r) => r.closedAt);
  lines.push(`rounds     ${closed.length} closed${s.rounds.length > closed.length ? `, ${s.rounds.length - closed.length} open` : ''}`);
  for (const r of closed) {
    lines.push(`  round ${r.round}: ${r.state}, ${r.sites?.length ?? 0} sites, n = ${r.sampleCount ?? '?'}${typeof r.loss === 'number' ? `, pooled −log-likelihood ${r.loss.toFixed(3)}` : ''}`);
  }
  const failed = s.jobs.filter((j) => j.state === 'failed');
  for (const j of failed) lines.push(`  job ${j.jobId} at ${j.siteId} failed: ${j.failureCode}${j.failureMessage ? ` ${j.failureMessage}` : ''}`);
  if (s.model) lines.push(`model      locked ${s.model.lockedAt}, hash ${s.model.modelHash}${s.model.onnxSha256 ? `, ONNX SHA-256 ${s.model.onnxSha256}` : ''}`);
  for (const e of s.evaluations) lines.push(...evaluationLines(e.siteId, e.report as EvaluationSummary));
  if (s.metaAnalysis) {
    for (const m of s.metaAnalysis.report?.metaAnalyses ?? []) {
      const f = (x?: number) => (x === undefined ? '?' : x.toFixed(3));
      lines.push(`pooled     ${m.measure} ${f(m.pooled.estimate)} [${f(m.pooled.lower)}, ${f(m.pooled.upper)}], prediction interval [${f(m.predictionInterval.lower)}, ${f(m.predictionInterval.upper)}], I² ${(m.i2 * 100).toFixed(0)} % (${m.method}, ${m.sites.length} sites)`);
    }
    for (const n of s.metaAnalysis.notes) lines.push(`  meta-analysis: ${n}`);
  }
  return lines.join('\n') + '\n';
}
