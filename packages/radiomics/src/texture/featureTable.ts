/**
 * How a texture family exposes its features: one entry per IBSI feature, holding the tag
 * stem of reference_values.csv (the aggregation suffix is added by the aggregation step),
 * the IBSI permanent code, the IBSI name and a pure function of the family's coefficients.
 * Output keys, documentation and tests all come from these tables.
 */
export interface FeatureDef<C> {
  /** Tag stem, e.g. `cm_joint_max`; the output key is `${tag}_${aggregation}`. */
  readonly tag: string;
  /** IBSI permanent identifier, e.g. `GYBY`. */
  readonly code: string;
  /** IBSI feature name. */
  readonly name: string;
  readonly compute: (c: C) => number;
}

/** A texture family as the shared aggregation step sees it. */
export interface TextureFamily<M, C> {
  /** Shared quantities of one matrix; null when the matrix is empty (no pairs, runs, zones…). */
  coefficients(matrix: M): C | null;
  /** Sum matrices (IBSI "merging"), including their voxel counts. */
  merge(matrices: readonly M[]): M;
  readonly features: readonly FeatureDef<C>[];
}

/** Every feature of one matrix, in table order; null for an empty matrix. */
export function evaluateMatrix<M, C>(family: TextureFamily<M, C>, matrix: M): Float64Array | null {
  const c = family.coefficients(matrix);
  if (c === null) return null;
  const out = new Float64Array(family.features.length);
  for (let f = 0; f < out.length; f++) out[f] = family.features[f].compute(c);
  return out;
}
