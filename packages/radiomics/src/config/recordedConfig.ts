import type { FeatureConfig } from '@fedrad/protocol';
import { ALL_FAMILIES, resolveFeatureConfig } from './resolveConfig.js';

/**
 * A feature config with every default filled in, as plain JSON: what a provenance record holds
 * and hashes. The resolved config keeps its families (and the families computed on filter
 * responses) as Sets, which JSON turns into `{}`, so two configs that compute different families
 * would otherwise record (and hash) the same.
 * Families are listed in the catalogue's order, so equal sets record equally.
 */
export function recordedFeatureConfig(config: FeatureConfig): Record<string, unknown> {
  const resolved = resolveFeatureConfig(config);
  return {
    ...resolved,
    families: ALL_FAMILIES.filter((f) => resolved.families.has(f)),
    filteredFamilies: ALL_FAMILIES.filter((f) => resolved.filteredFamilies.has(f)),
  };
}
