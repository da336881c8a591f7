/**
 * Grey level co-occurrence matrix (IBSI 1 §3.6, family LFYI): for one direction m, counts of
 * grey level pairs (i, j) at voxels k and k + δm, both in the ROI, added in both orders
 * (M_m = M_m+ + M_m+ᵀ, so the matrix is symmetric).
 */
export interface GlcmMatrix {
  readonly nLevels: number;
  /** Row-major counts: counts[(i-1)*Ng + (j-1)]. */
  readonly counts: Float64Array;
}
