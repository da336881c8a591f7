import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { assertValid, type EvaluationReport, type ModelCard } from '@fedrad/protocol';
import { evaluateBinary, evaluateSurvivalAtHorizons, joinTables, parseOutcomeCsv, parsePredictionsCsv } from '@fedrad/stats';
import { CliUsageError } from '../errors.js';
import { checkOutputPath, readInputText } from '../commandFiles.js';
import { provenanceOf, provenancePath } from '../provenance.js';

export interface EvaluateOptions {
  predictions: string;
  outcomeFile: string;
  out: string;
  baseline?: string;
  modelCard?: string;
  /** Overrides the model card's training-time threshold (recorded as set by the operator). */
  threshold?: string;
  riskCutoff?: string;
  tau?: string;
  siteId?: string;
  bootstrap?: string;
  seed?: string;
  level?: string;
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliUsageError(`${path} is not JSON (${(e as Error).message}); expected the model card written by fedrad train`, e);
  }
}

function numberOption(value: string | undefined, flag: string, check: (x: number) => boolean = Number.isFinite): number | undefined {
  if (value === undefined) return undefined;
  const x = Number(value);
  if (!check(x)) throw new CliUsageError(`${flag} ${value} is not a valid value`);
  return x;
}

/**
 * `fedrad evaluate`: joins predictions (and a clinical baseline) with outcomes on id and
 * writes the evaluation report, validated against the protocol schema before it is written.
 * The threshold comes from the model card (youdenThreshold, fixed at training time) unless
 * the operator passes --threshold; it is never optimised on the test data.
 */
export function runEvaluate(o: EvaluateOptions): EvaluationReport {
  const predictions = parsePredictionsCsv(readInputText(o.predictions, 'predictions'), o.predictions);
  const outcome = parseOutcomeCsv(readInputText(o.outcomeFile, 'outcome'), o.outcomeFile);
  const baseline = o.baseline ? parsePredictionsCsv(readInputText(o.baseline, 'baseline predictions'), o.baseline) : undefined;
  const card = o.modelCard ? assertValid<ModelCard>('model-card', parseJson(readInputText(o.modelCard, 'model card'), o.modelCard), o.modelCard) : undefined;
  checkOutputPath(o.out, 'evaluation report');
  if (card && card.outcome.kind !== outcome.kind) {
    throw new CliUsageError(`${o.modelCard} describes a ${card.outcome.kind} model but ${o.outcomeFile} holds ${outcome.kind} outcomes`);
  }
  // A flag for the other kind of outcome would otherwise be ignored without a word.
  const misplaced =
    outcome.kind === 'binary'
      ? [o.riskCutoff !== undefined && '--risk-cutoff', o.tau !== undefined && '--tau'].filter(Boolean)
      : [o.threshold !== undefined && '--threshold'].filter(Boolean);
  if (outcome.kind === 'binary' && predictions.survival) misplaced.push(`the survival_<days> columns of ${o.predictions}`);
  if (misplaced.length) {
    throw new CliUsageError(
      `${misplaced.join(' and ')} ${misplaced.length > 1 ? 'apply' : 'applies'} to ${outcome.kind === 'binary' ? 'survival' : 'binary'} outcomes; ${o.outcomeFile} holds ${outcome.kind} outcomes`,
    );
  }
  const joined = joinTables(predictions, outcome, baseline);
  const common = {
    siteId: o.siteId,
    modelSha256: card?.modelSha256,
    level: numberOption(o.level, '--level', (x) => x > 0 && x < 1),
    bootstrapReplicates: numberOption(o.bootstrap, '--bootstrap', (x) => Number.isInteger(x) && x >= 0),
    seed: numberOption(o.seed, '--seed', Number.isInteger),
  };
  let report: EvaluationReport;
  if (joined.kind === 'binary') {
    const override = numberOption(o.threshold, '--threshold');
    const threshold = override ?? card?.youdenThreshold;
    report = evaluateBinary(joined.scores, joined.labels, {
      ...common,
      baselineScores: joined.baselineScores,
      threshold,
      thresholdSource: override !== undefined ? 'operator' : 'model-card',
    });
  } else {
    // fedrad predict's survival_<days> columns (a Cox model with horizons): the time-dependent
    // measures at each horizon, the first at the report's top level.
    const survival = joined.survival ?? { horizonsDays: [], values: [] };
    report = evaluateSurvivalAtHorizons(joined.time, joined.event, joined.scores, survival.horizonsDays, survival.values, {
      ...common,
      baselineRisk: joined.baselineScores,
      riskCutoff: numberOption(o.riskCutoff, '--risk-cutoff'),
      tau: numberOption(o.tau, '--tau', (x) => x > 0),
    });
  }
  assertValid<EvaluationReport>('evaluation-report', JSON.parse(JSON.stringify(report)), o.out);
  writeFileSync(o.out, JSON.stringify(report, null, 2) + '\n');
  const inputs = [
    { role: 'predictions', path: o.predictions },
    { role: 'outcome', path: o.outcomeFile },
    ...(o.baseline ? [{ role: 'baseline', path: o.baseline }] : []),
    ...(o.modelCard ? [{ role: 'model card', path: o.modelCard }] : []),
  ];
  writeFileSync(provenancePath(o.out), JSON.stringify(provenanceOf(o.out, { command: 'fedrad evaluate', inputs }), null, 2) + '\n');
  return report;
}

function summary(r: EvaluationReport): string {
  const ci = (i?: { estimate: number; lower?: number; upper?: number }) =>
    !i ? 'n/a' : i.lower === undefined || i.upper === undefined ? i.estimate.toFixed(3) : `${i.estimate.toFixed(3)} [${i.lower.toFixed(3)}, ${i.upper.toFixed(3)}]`;
  if (r.outcome === 'binary') {
    const parts = [`AUC ${ci(r.discrimination?.auc)}`];
    if (r.calibration) parts.push(`slope ${ci(r.calibration.slope)}`, `Brier ${ci(r.calibration.brier)}`);
    if (r.baselineComparison) parts.push(`ΔAUC vs baseline ${ci(r.baselineComparison.difference)} p=${r.baselineComparison.pValue.toPrecision(3)}`);
    return `${r.patientCount} patients, ${r.eventCount} positive: ${parts.join('; ')}`;
  }
  return `${r.patientCount} patients, ${r.eventCount} events: Harrell's C ${ci(r.survival?.harrellC)}; Uno's C ${ci(r.survival?.unoC)}`;
}

export function register(program: Command): void {
  program
    .command('evaluate')
    .description('Evaluate predictions on an independent test set: AUC/DeLong, calibration, decision curve, C-index; writes an evaluation report')
    .requiredOption('--predictions <csv>', 'id,score as written by fedrad predict; with survival_<days> columns (a Cox model with horizons) also the time-dependent AUC, Brier score and calibration at each horizon')
    .requiredOption('--outcome-file <csv>', 'id,label (binary) or id,time,event (survival)')
    .requiredOption('--out <json>', 'where to write the evaluation report')
    .option('--baseline <csv>', 'clinical baseline id,score on the same patients (added-value test)')
    .option('--model-card <json>', 'model card: model hash and the training-time threshold (youdenThreshold)')
    .option('--threshold <p>', 'operating threshold fixed on the training data (overrides the model card)')
    .option('--risk-cutoff <x>', 'survival: risk score cut-off fixed on the training data, for Kaplan–Meier groups and log-rank')
    .option('--tau <t>', "survival: truncation time for Uno's C")
    .option('--site-id <id>', 'site identifier to record in the report')
    .option('--bootstrap <n>', 'bootstrap replicates (default 2000 binary, 1000 survival; 0 = none)')
    .option('--seed <n>', 'bootstrap seed')
    .option('--level <p>', 'confidence level (default 0.95)')
    .action((opts: EvaluateOptions) => {
      const r = runEvaluate(opts);
      process.stdout.write(`${summary(r)} -> ${opts.out}\n`);
    });
}
