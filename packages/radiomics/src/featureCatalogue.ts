import { FEATURE_FAMILIES } from './familyRegistry.js';

export interface CatalogueEntry {
  /** Config name of the family (`morphology`, `glcm`, …). */
  family: string;
  /** IBSI family code (`HCUG`, `LFYI`, …). */
  familyCode: string;
  /** IBSI tag; for a texture family the stem, to which the output appends the aggregation (`_3D_comb`). */
  tag: string;
  /** IBSI feature code. */
  code: string;
  name: string;
  texture: boolean;
}

/** Every feature of every registered family, texture included, with its IBSI tag, codes and name. */
export function featureCatalogue(): CatalogueEntry[] {
  return FEATURE_FAMILIES.flatMap((family) => family.features.map((f) => ({
    family: family.name, familyCode: family.ibsiCode, tag: f.tag, code: f.code, name: f.name, texture: family.kind === 'texture',
  })));
}

/**
 * The catalogue entry an output tag belongs to: the feature itself, or for a texture tag the
 * family stem it extends with an aggregation suffix — the longest stem wins, so
 * rlm_glnu_norm_3D_comb is rlm_glnu_norm's, not rlm_glnu's. Undefined for a tag no family makes.
 */
export function catalogueEntryOf(tag: string, catalogue: readonly CatalogueEntry[] = featureCatalogue()): CatalogueEntry | undefined {
  return catalogue
    .filter((e) => e.tag === tag || (e.texture && tag.startsWith(`${e.tag}_`)))
    .sort((a, b) => b.tag.length - a.tag.length)[0];
}
