/**
 * Youden's J = sensitivity + specificity − 1 (Youden 1950, Cancer 3:32), maximised over
 * thresholds "positive when score ≥ t" taken at the observed scores. Ties in J keep the
 * highest such threshold (the first reached scanning from the highest score down).
 */
export function youdenThreshold(scores: ArrayLike<number>, labels: ArrayLike<number>): { threshold: number; j: number } {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i] === 1 ? 1 : 0;
  const negatives = labels.length - positives;
  let tp = 0;
  let fp = 0;
  // Compare J through its integer numerator tp·N − fp·P so that exact ties stay ties.
  let best = { threshold: Infinity, numerator: -Infinity };
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    if (labels[i] === 1) tp++;
    else fp++;
    // Only evaluate once all cases sharing this score are counted.
    if (k + 1 < order.length && scores[order[k + 1]] === scores[i]) continue;
    const numerator = tp * negatives - fp * positives;
    if (numerator > best.numerator) best = { threshold: scores[i], numerator };
  }
  return { threshold: best.threshold, j: best.numerator / (positives * negatives) };
}
