/**
 * Re-segmentation (IBSI 1 §2.5, IF9H): the intensity mask keeps the morphological-mask voxels
 * whose intensity lies in the range [a, b] (USB3) and, with outlier filtering (7ACA), within
 * μ ± kσ of the ROI intensities (population σ); combined methods use the intersection of the
 * ranges. Returns the intensity mask and the effective range.
 */
export interface ResegmentationSettings {
  range?: [number | null, number | null];
  outlierSigma?: number;
}

export function resegment(
  intensities: ArrayLike<number>,
  morphologicalMask: Uint8Array,
  settings: ResegmentationSettings,
): { intensityMask: Uint8Array; lower: number; upper: number } {
  let lower = settings.range?.[0] ?? -Infinity;
  let upper = settings.range?.[1] ?? Infinity;
  if (settings.outlierSigma !== undefined) {
    let n = 0, sum = 0, sum2 = 0;
    for (let i = 0; i < morphologicalMask.length; i++) {
      if (!morphologicalMask[i]) continue;
      n++;
      sum += intensities[i];
    }
    const mean = sum / n;
    for (let i = 0; i < morphologicalMask.length; i++) if (morphologicalMask[i]) sum2 += (intensities[i] - mean) ** 2;
    const sd = Math.sqrt(sum2 / n);
    lower = Math.max(lower, mean - settings.outlierSigma * sd);
    upper = Math.min(upper, mean + settings.outlierSigma * sd);
  }
  const intensityMask = new Uint8Array(morphologicalMask.length);
  for (let i = 0; i < morphologicalMask.length; i++) {
    if (morphologicalMask[i] && intensities[i] >= lower && intensities[i] <= upper) intensityMask[i] = 1;
  }
  return { intensityMask, lower, upper };
}
