/**
 * The contract between the preprocessing pipeline and the texture families (GLCM, GLRLM,
 * GLSZM, GLDZM, NGTDM, NGLDM). The pipeline discretises the intensity-masked ROI, crops it
 * to the ROI bounding box and hands it over once; each texture family reads it and returns
 * IBSI-tagged values. Nothing here computes: it is the shape both sides agree on.
 */

/**
 * GLCM/GLRLM aggregations (IBSI 1, section 3.6.1 / 3.7.1), named by the tag suffix used in
 * reference_values.csv:
 *  - `2D_avg`    2D, averaged (BTW3): features per slice and direction, averaged
 *  - `2D_comb`   2D, slice-merged (SUJT): per slice, directions merged, averaged over slices
 *  - `2_5D_avg`  2.5D, direction-merged (JJUI): per direction, slices merged, averaged
 *  - `2_5D_comb` 2.5D, merged (ZW7Z): one matrix for all slices and directions
 *  - `3D_avg`    3D, averaged (ITBB): per 3D direction, averaged
 *  - `3D_comb`   3D, merged (IAZD): one matrix for all 13 directions
 */
export type DirectionalAggregation = '2D_avg' | '2D_comb' | '2_5D_avg' | '2_5D_comb' | '3D_avg' | '3D_comb';

/**
 * GLSZM/GLDZM/NGTDM/NGLDM aggregations: `2D` (8QNN, per slice then averaged), `2_5D` (62GR,
 * slices merged), `3D` (KOBO).
 */
export type ZoneAggregation = '2D' | '2_5D' | '3D';

export const DIRECTIONAL_AGGREGATIONS: readonly DirectionalAggregation[] = ['2D_avg', '2D_comb', '2_5D_avg', '2_5D_comb', '3D_avg', '3D_comb'];
export const ZONE_AGGREGATIONS: readonly ZoneAggregation[] = ['2D', '2_5D', '3D'];

/** Discretised ROI, cropped to the bounding box of the intensity mask. */
export interface TextureInput {
  /** Grey level 1..nLevels inside the ROI, 0 outside. x fastest: index x + nx*(y + ny*z). */
  levels: Int32Array;
  /** Intensity mask (1 inside the re-segmented ROI), same grid as `levels`. */
  mask: Uint8Array;
  /**
   * Morphological mask (before re-segmentation) on the same cropped grid. IBSI 1 §3.10 lets
   * the GLDZM border distance use it; absent means it equals `mask`.
   */
  morphologicalMask?: Uint8Array;
  /** [nx, ny, nz]; a 2D slice is the x-y plane at fixed z. */
  dims: [number, number, number];
  /** mm per voxel along x, y, z. */
  spacing: [number, number, number];
  /** Number of grey levels Ng (FBN: the bin count; FBS: bins from the lower bound to the ROI maximum). */
  nLevels: number;
}

/** A family absent from TextureSettings is not computed. */
export interface TextureSettings {
  /** Symmetric GLCM (IBSI 1 §3.6) at a Chebyshev distance (default 1). */
  glcm?: { aggregations: DirectionalAggregation[]; distance: number };
  /** GLRLM (IBSI 1 §3.7). */
  glrlm?: { aggregations: DirectionalAggregation[] };
  /** GLSZM (IBSI 1 §3.8): zones linked by 26-connectivity in 3D, 8 in 2D. */
  glszm?: { aggregations: ZoneAggregation[] };
  /** GLDZM (IBSI 1 §3.9). */
  gldzm?: { aggregations: ZoneAggregation[] };
  /** NGTDM (IBSI 1 §3.10), Chebyshev neighbourhood distance δ (default 1). */
  ngtdm?: { aggregations: ZoneAggregation[]; distance: number };
  /** NGLDM (IBSI 1 §3.11), distance δ (default 1) and coarseness α (default 0). */
  ngldm?: { aggregations: ZoneAggregation[]; distance: number; coarseness: number };
}

/** Signature each texture entry point satisfies; keys are IBSI tags such as `cm_joint_max_3D_comb`. */
export type ComputeTextureFeatures = (input: TextureInput, settings: TextureSettings) => Record<string, number>;
