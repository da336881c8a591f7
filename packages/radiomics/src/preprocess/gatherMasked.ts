/**
 * The mask's voxels of `values`, in voxel order, into `out`. Loops live in small functions like
 * this one rather than in extractFeatures itself: a loop there makes the JIT compile the whole
 * (large) pipeline function on-stack, and recompile it case after case in a cohort.
 */
export function gatherMasked<T extends Float64Array | Int32Array>(values: T, mask: Uint8Array, out: T): void {
  for (let i = 0, k = 0; i < mask.length; i++) if (mask[i]) out[k++] = values[i];
}
