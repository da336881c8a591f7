/**
 * Coarsening event times for pooled Cox (risk-set sums at a time reveal who left the risk set
 * there). The bins are [edge_k, edge_k+1); a site answers, for each bin, whether it holds between
 * 1 and m − 1 of the site's events or of its patients leaving the risk set (m the minimum), and
 * the coordinator merges each such bin with the bin after it (the last with the one before),
 * one merge per bin and round, so that bins grow by pairs rather than all running together.
 * Merging bins that each hold 0 or at least m gives 0 or at least m, so a bin no site objects to
 * stays acceptable, and the loop ends when no site objects. With m = 1 nothing objects and the
 * candidate edges (the event times) are kept exactly.
 */
export function mergeTimeBins(edges: readonly number[], objections: ArrayLike<number>): number[] {
  const K = edges.length;
  const drop = new Set<number>();
  for (let k = 0; k < K; k++) {
    if (!objections[k]) continue;
    if (k + 1 < K) {
      drop.add(k + 1);
      k++; // bin k + 1 is merged into k this round
    } else if (k > 0) drop.add(k);
  }
  return edges.filter((_, k) => !drop.has(k));
}
