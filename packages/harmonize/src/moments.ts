/**
 * Per-column mean and centred sum of squares Σ(x − x̄)² of an n × p row-major table, in two passes
 * (the centred form keeps its digits when a feature's mean is large against its spread).
 */
export function columnMoments(values: Float64Array, n: number, p: number): { mean: Float64Array; sumSq: Float64Array } {
  const mean = new Float64Array(p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) mean[j] += values[i * p + j];
  for (let j = 0; j < p; j++) mean[j] /= n;
  const sumSq = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) {
      const d = values[i * p + j] - mean[j];
      sumSq[j] += d * d;
    }
  }
  return { mean, sumSq };
}

/** Whether a column with this centred sum of squares over n rows is constant (sd ≤ 1e-12 · max(1, |mean|), numeric's rule). */
export function isConstantColumn(mean: number, sumSq: number, n: number): boolean {
  return Math.sqrt(sumSq / Math.max(1, n - 1)) <= 1e-12 * Math.max(1, Math.abs(mean));
}
