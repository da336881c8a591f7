import type { FamilyName } from '@fedrad/protocol';
import type { ResolvedFeatureConfig, TextureFamily } from './config/resolveConfig.js';
import type { FeatureDefinition } from './featureDefinition.js';
import type { PreparedRoi } from './pipeline/preparedRoi.js';
import type { RoiGrid } from './texture/roiGrid.js';
import type { ZoneLabellings } from './texture/zones.js';
import type { TextureSettings } from './textureContract.js';

/**
 * One feature family as the registry (familyRegistry.ts) holds it, after PyRadiomics' feature
 * classes: its config name, its IBSI family code and its feature table (IBSI tag → IBSI code →
 * pure function of the family's coefficients), and how the pipeline computes it. Output keys,
 * the catalogue and the IBSI-code tests all come from these registrations.
 */
export type FeatureFamily = RoiFeatureFamily | AnyTextureFeatureFamily;

/**
 * A family computed once on the prepared ROI: its coefficients, then every feature of its table.
 * C defaults to `any` so that one list can hold families of every coefficient type.
 */
export interface RoiFeatureFamily<C = any> {
  readonly kind: 'roi';
  readonly name: Exclude<FamilyName, TextureFamily>;
  readonly ibsiCode: string;
  readonly features: readonly FeatureDefinition<C>[];
  coefficients(roi: PreparedRoi): C;
}

/**
 * A texture family (IBSI 1 §3.6–§3.11): its table's tags are stems (`cm_joint_max`) to which the
 * shared aggregation step appends the aggregation (`_3D_comb`).
 */
export interface TextureFeatureFamily<K extends TextureFamily = TextureFamily, C = any> {
  readonly kind: 'texture';
  readonly name: K;
  readonly ibsiCode: string;
  readonly features: readonly FeatureDefinition<C>[];
  /** This family's texture settings, from the resolved config. */
  settings(config: ResolvedFeatureConfig): NonNullable<TextureSettings[K]>;
  /** Every requested aggregation on the shared grid, keyed by full IBSI tag (settings already checked). */
  compute(grid: RoiGrid, zones: ZoneLabellings, settings: NonNullable<TextureSettings[K]>): Record<string, number>;
}

/** Any one of the six texture families, each with the settings of its own name. */
export type AnyTextureFeatureFamily = { [K in TextureFamily]: TextureFeatureFamily<K> }[TextureFamily];
