import type { FeatureDefinition } from '../featureDefinition.js';

/**
 * A texture family as the shared aggregation step sees it. Its features use the package-wide
 * FeatureDefinition (tag, IBSI code, IBSI name, pure function of the coefficients), with the
 * tag stem as tag (`cm_joint_max`); the aggregation step appends the suffix (`_3D_comb`).
 */
export interface TextureFamily<M, C> {
  /** Shared quantities of one matrix; null when the matrix is empty (no pairs, runs, zones…). */
  coefficients(matrix: M): C | null;
  /** Sum matrices (IBSI "merging"), including their voxel counts. */
  merge(matrices: readonly M[]): M;
  readonly features: readonly FeatureDefinition<C>[];
}

/** Every feature of one matrix, in table order; null for an empty matrix. */
export function evaluateMatrix<M, C>(family: TextureFamily<M, C>, matrix: M): Float64Array | null {
  const c = family.coefficients(matrix);
  if (c === null) return null;
  const out = new Float64Array(family.features.length);
  for (let f = 0; f < out.length; f++) out[f] = family.features[f].compute(c);
  return out;
}
