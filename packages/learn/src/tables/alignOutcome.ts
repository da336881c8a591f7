import type { FeatureCsv as FeatureTable, OutcomeCsv as OutcomeTable } from '@fedrad/protocol';
import { CaseMismatchError } from '../errors.js';

/**
 * Rows of the outcome table in the order of the feature table (joined on id). Outcomes for
 * cases without features are dropped: training uses the cases it has features for.
 */
export function alignOutcome(features: FeatureTable, outcome: OutcomeTable, source = outcome.source ?? 'outcome CSV'): OutcomeTable {
  const index = new Map(outcome.ids.map((id, i) => [id, i]));
  const missing = features.ids.filter((id) => !index.has(id));
  if (missing.length) throw new CaseMismatchError(missing, source);
  const order = features.ids.map((id) => index.get(id)!);
  const pick = (a: Float64Array) => Float64Array.from(order, (i) => a[i]);
  if (outcome.kind === 'binary') return { kind: 'binary', ids: features.ids, label: pick(outcome.label) };
  return {
    kind: 'survival',
    ids: features.ids,
    time: pick(outcome.time),
    event: pick(outcome.event),
    ...(outcome.stratum ? { stratum: order.map((i) => outcome.stratum![i]) } : {}),
  };
}
