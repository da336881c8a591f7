/** One site's rows for a training step: raw features in the job's feature order and the binary label. Only the site holds them. */
export interface TrainingRows {
  featureNames: readonly string[];
  /** Row-major n × p, raw (unstandardised) values, in `featureNames` order. */
  x: Float64Array;
  /** 0/1 per row. */
  label: Float64Array;
}
