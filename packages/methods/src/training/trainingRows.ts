import type { TrainRoundParams } from '@fedrad/protocol';
import { MethodInputError } from '../errors.js';

/** One site's rows for a training step: raw features in the job's feature order and the outcome (a binary label, or time and event for cox). Only the site holds them. */
export interface TrainingRows {
  featureNames: readonly string[];
  /** Row-major n × p, raw (unstandardised) values, in `featureNames` order. */
  x: Float64Array;
  /** 0/1 per row (the logistic families; empty for a survival cohort). */
  label: Float64Array;
  /** Survival cohorts (cox): follow-up time and event (1 = event, 0 = censored) per row. */
  time?: Float64Array;
  event?: Float64Array;
}

/** Refuses rows whose features are not the job's, in the job's order. */
export function assertJobFeatures(params: Pick<TrainRoundParams, 'features'>, rows: Pick<TrainingRows, 'featureNames'>): void {
  const p = params.features.length;
  if (rows.featureNames.length !== p || rows.featureNames.some((f, j) => f !== params.features[j])) {
    throw new MethodInputError(`The site's rows hold features ${rows.featureNames.join(', ')}; the job's model needs ${params.features.join(', ')}, in that order.`, { field: 'params/features' });
  }
}
