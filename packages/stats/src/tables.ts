import { readOutcomeTable, readPredictionTable, type PredictionCsv } from '@fedrad/protocol';
import { IdMismatchError, OneClassError } from './errors.js';

/**
 * The evaluation tables. Reading them is @fedrad/protocol's job (the file formats every fedrad
 * command shares: predictions `id,score` as `fedrad predict` writes them, outcomes `id,label` or
 * `id,time,event`); here they are joined on id for evaluation.
 */
export type PredictionTable = PredictionCsv;

/** An outcome table as evaluation uses it: labels and events as 0/1 bytes. */
export type OutcomeTable =
  | { kind: 'binary'; source: string; ids: string[]; labels: Uint8Array }
  | { kind: 'survival'; source: string; ids: string[]; time: Float64Array; event: Uint8Array };

/** `id,score` (the column may also be named `prediction`, `probability` or `risk`). */
export { readPredictionTable as parsePredictionsCsv };

/** `id,label` (binary) or `id,time,event` (survival), read by protocol's readOutcomeTable. */
export function parseOutcomeCsv(text: string, source = 'outcome CSV'): OutcomeTable {
  const o = readOutcomeTable(text, source);
  // The reader has checked every label and event is 0 or 1.
  if (o.kind === 'binary') return { kind: 'binary', source, ids: o.ids, labels: Uint8Array.from(o.label) };
  return { kind: 'survival', source, ids: o.ids, time: o.time, event: Uint8Array.from(o.event) };
}

/** Reorders `table` to the id order of `reference`; both must list exactly the same ids. */
function align(referenceIds: readonly string[], referenceName: string, ids: readonly string[], name: string): Int32Array {
  const index = new Map<string, number>();
  ids.forEach((id, i) => index.set(id, i));
  const missing = referenceIds.filter((id) => !index.has(id));
  const refSet = new Set(referenceIds);
  const extra = ids.filter((id) => !refSet.has(id));
  if (missing.length || extra.length) throw new IdMismatchError(referenceName, name, missing, extra);
  return Int32Array.from(referenceIds, (id) => index.get(id)!);
}

export interface JoinedBinary {
  kind: 'binary';
  ids: string[];
  scores: Float64Array;
  baselineScores?: Float64Array;
  labels: Uint8Array;
}

export interface JoinedSurvival {
  kind: 'survival';
  ids: string[];
  scores: Float64Array;
  baselineScores?: Float64Array;
  time: Float64Array;
  event: Uint8Array;
  /** The predictions' S(t | x) columns (`survival_<days>`), in the outcome table's order. */
  survival?: { horizonsDays: number[]; values: Float64Array[] };
}

/**
 * Joins predictions (and an optional baseline) with outcomes on `id`, in the outcome table's
 * order. Every table must hold the same patients: a patient without a prediction, or a
 * baseline that scored other patients, is an error rather than a silent drop. A binary outcome
 * with one class only is refused, naming the outcome file.
 */
export function joinTables(predictions: PredictionTable, outcome: OutcomeTable, baseline?: PredictionTable): JoinedBinary | JoinedSurvival {
  const ids = outcome.ids;
  const p = align(ids, outcome.source, predictions.ids, predictions.source);
  const scores = Float64Array.from(p, (k) => predictions.scores[k]);
  let baselineScores: Float64Array | undefined;
  if (baseline) {
    // Compare baseline with predictions first: that is the pairing the added-value test needs.
    align(predictions.ids, predictions.source, baseline.ids, baseline.source);
    const b = align(ids, outcome.source, baseline.ids, baseline.source);
    baselineScores = Float64Array.from(b, (k) => baseline.scores[k]);
  }
  if (outcome.kind === 'binary') {
    // Refused here, where the file is known, rather than deep inside the AUC.
    const positives = outcome.labels.reduce((a, y) => a + y, 0);
    if (positives === 0 || positives === ids.length) throw new OneClassError(outcome.source, positives, ids.length - positives);
    return { kind: 'binary', ids: [...ids], scores, baselineScores, labels: outcome.labels };
  }
  const survival = predictions.survival && { horizonsDays: [...predictions.survival.horizonsDays], values: predictions.survival.values.map((v) => Float64Array.from(p, (k) => v[k])) };
  return { kind: 'survival', ids: [...ids], scores, baselineScores, time: outcome.time, event: outcome.event, ...(survival ? { survival } : {}) };
}
