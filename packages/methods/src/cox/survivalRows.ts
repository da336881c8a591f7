/** One site's rows for a survival method: raw features in the job's feature order, follow-up time and event (1 = event, 0 = censored). */
export interface SurvivalRows {
  featureNames: readonly string[];
  /** Row-major n × p, raw values, in `featureNames` order. */
  x: Float64Array;
  time: Float64Array;
  event: Float64Array;
}
