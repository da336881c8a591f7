import { catalogueEntryOf, featureCatalogue, FILTER_SEPARATOR, type CatalogueEntry } from '@fedrad/radiomics';

let catalogue: CatalogueEntry[] | undefined;

/**
 * The IBSI feature code of a feature the sites extracted, from the radiomics registry's catalogue
 * (IBSI chapter 1 tags; a texture tag is its family's stem plus the aggregation suffix; a filtered
 * feature `<filter>__<tag>` is its tag's feature computed on a response map). Undefined for a name
 * no IBSI family makes (a registered feature table may hold any column).
 */
export function ibsiCodeOf(feature: string): string | undefined {
  catalogue ??= featureCatalogue();
  const cut = feature.indexOf(FILTER_SEPARATOR);
  const tag = cut > 0 ? feature.slice(cut + FILTER_SEPARATOR.length) : feature;
  return catalogueEntryOf(tag, catalogue)?.code;
}

export const isIbsiFeature = (feature: string): boolean => ibsiCodeOf(feature) !== undefined;
