import { assertValid, type Discretisation, type FamilyName, type FeatureConfig, type IvhDiscretisation } from '@fedrad/protocol';
import { createRequire } from 'node:module';
import { FeatureConfigError, FilterConfigError } from '../errors.js';
import { parseFilterSpec, type FilterSpec } from '../filters/filterConfig.js';
import type { DirectionalAggregation, ZoneAggregation } from '../textureContract.js';

export const ALL_FAMILIES: readonly FamilyName[] = [
  'morphology', 'local_intensity', 'intensity_statistics', 'intensity_histogram', 'intensity_volume_histogram',
  'glcm', 'glrlm', 'glszm', 'gldzm', 'ngtdm', 'ngldm',
];
export const TEXTURE_FAMILIES = ['glcm', 'glrlm', 'glszm', 'gldzm', 'ngtdm', 'ngldm'] as const;
export type TextureFamily = (typeof TEXTURE_FAMILIES)[number];

/** A feature config with every default filled in (defaults documented in the schema). */
export interface ResolvedFeatureConfig {
  name?: string;
  dimensionality: '2D' | '3D';
  families: ReadonlySet<FamilyName>;
  roundInputIntensities: boolean;
  interpolation: null | {
    spacing: [number, number, number | null];
    imageMethod: 'nearest' | 'linear' | 'cubic';
    intensityRounding: 'none' | 'nearest_integer';
    maskMethod: 'nearest' | 'linear';
    maskThreshold: number;
  };
  resegmentation: { range?: [number | null, number | null]; outlierSigma?: number };
  intensityHistogramDiscretisation: Discretisation;
  ivhDiscretisation: IvhDiscretisation;
  /** IBSI 2 filters whose response maps get the `filteredFamilies` (empty: none). */
  filters: FilterSpec[];
  filteredFamilies: ReadonlySet<FamilyName>;
  texture: {
    glcm: { aggregations: DirectionalAggregation[]; distance: number; discretisation: Discretisation };
    glrlm: { aggregations: DirectionalAggregation[]; discretisation: Discretisation };
    glszm: { aggregations: ZoneAggregation[]; discretisation: Discretisation };
    gldzm: { aggregations: ZoneAggregation[]; discretisation: Discretisation };
    ngtdm: { aggregations: ZoneAggregation[]; distance: number; discretisation: Discretisation };
    ngldm: { aggregations: ZoneAggregation[]; distance: number; coarseness: number; discretisation: Discretisation };
  };
}

const DEFAULT_DISCRETISATION: Discretisation = { method: 'FBN', bins: 32 };
const DEFAULT_IVH: IvhDiscretisation = { method: 'FBN', bins: 1000 };

/** Fills the documented defaults into a schema-valid config. */
export function resolveFeatureConfig(config: FeatureConfig): ResolvedFeatureConfig {
  const dimensionality = config.dimensionality ?? '3D';
  const directional: DirectionalAggregation[] = dimensionality === '2D' ? ['2D_avg', '2D_comb', '2_5D_avg', '2_5D_comb'] : ['3D_comb'];
  const zone: ZoneAggregation[] = dimensionality === '2D' ? ['2D', '2_5D'] : ['3D'];
  const textureDefault = config.discretisation?.texture ?? DEFAULT_DISCRETISATION;
  const t = config.texture ?? {};
  const interp = config.interpolation ?? null;
  if (interp && dimensionality === '2D' && interp.spacing[2] !== null) {
    throw new FeatureConfigError('a 2D configuration interpolates in-plane only: set the z spacing to null');
  }
  const filters = (config.filters ?? []).map((f, i) => {
    try {
      return parseFilterSpec(f);
    } catch (e) {
      if (e instanceof FilterConfigError) throw new FeatureConfigError(`filters[${i}].${e.field}: ${e.message.replace(/^filter field "[^"]*": /, '')}`, undefined, e);
      throw e;
    }
  });
  if (config.filteredFamilies && filters.length === 0) throw new FeatureConfigError('filteredFamilies is given but no filters: list the filters whose response maps it applies to');
  if (config.filteredFamilies?.includes('morphology')) throw new FeatureConfigError('filteredFamilies: morphology does not depend on intensities, so a response map has the same morphology as the image; compute it once in families');
  return {
    name: config.name,
    filters,
    filteredFamilies: new Set(config.filteredFamilies ?? ['intensity_statistics']),
    dimensionality,
    families: new Set(config.families ?? ALL_FAMILIES),
    roundInputIntensities: config.input?.roundIntensities ?? false,
    interpolation: interp && {
      spacing: [interp.spacing[0] as number, interp.spacing[1] as number, (interp.spacing[2] ?? null) as number | null],
      imageMethod: interp.imageMethod ?? 'linear',
      intensityRounding: interp.intensityRounding ?? 'none',
      maskMethod: interp.maskMethod ?? 'linear',
      maskThreshold: interp.maskThreshold ?? 0.5,
    },
    resegmentation: {
      range: config.resegmentation?.range as [number | null, number | null] | undefined,
      outlierSigma: config.resegmentation?.outlierSigma,
    },
    intensityHistogramDiscretisation: config.discretisation?.intensityHistogram ?? DEFAULT_DISCRETISATION,
    ivhDiscretisation: config.discretisation?.ivh ?? DEFAULT_IVH,
    texture: {
      glcm: { aggregations: (t.glcm?.aggregations as DirectionalAggregation[]) ?? directional, distance: t.glcm?.distance ?? 1, discretisation: t.glcm?.discretisation ?? textureDefault },
      glrlm: { aggregations: (t.glrlm?.aggregations as DirectionalAggregation[]) ?? directional, discretisation: t.glrlm?.discretisation ?? textureDefault },
      glszm: { aggregations: (t.glszm?.aggregations as ZoneAggregation[]) ?? zone, discretisation: t.glszm?.discretisation ?? textureDefault },
      gldzm: { aggregations: (t.gldzm?.aggregations as ZoneAggregation[]) ?? zone, discretisation: t.gldzm?.discretisation ?? textureDefault },
      ngtdm: { aggregations: (t.ngtdm?.aggregations as ZoneAggregation[]) ?? zone, distance: t.ngtdm?.distance ?? 1, discretisation: t.ngtdm?.discretisation ?? textureDefault },
      ngldm: {
        aggregations: (t.ngldm?.aggregations as ZoneAggregation[]) ?? zone,
        distance: t.ngldm?.distance ?? 1,
        coarseness: t.ngldm?.coarseness ?? 0,
        discretisation: t.ngldm?.discretisation ?? textureDefault,
      },
    },
  };
}

// yaml takes about 70 ms to import: it is loaded with the first config parsed, so a cohort's
// workers (handed the parsed config) and callers passing a config object never load it.
let yamlParse: ((text: string) => unknown) | undefined;
function parseYaml(text: string): unknown {
  yamlParse ??= (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse;
  return yamlParse(text);
}

/**
 * Parses a feature config from JSON or YAML text (YAML is a superset of JSON) and validates it
 * against protocols/feature-config.schema.json. `source` names the file in error messages.
 */
export function parseFeatureConfig(text: string, source = 'feature config'): FeatureConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new FeatureConfigError(`is neither valid JSON nor YAML (${(e as Error).message})`, source, e);
  }
  try {
    return assertValid<FeatureConfig>('feature-config', doc ?? {}, source);
  } catch (e) {
    throw new FeatureConfigError((e as Error).message.replace(`${source} `, ''), source, e);
  }
}
