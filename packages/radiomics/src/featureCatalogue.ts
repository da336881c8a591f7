import { INTENSITY_HISTOGRAM_FEATURES } from './intensity/intensityHistogram.js';
import { INTENSITY_STATISTICS_FEATURES } from './intensity/intensityStatistics.js';
import { INTENSITY_VOLUME_HISTOGRAM_FEATURES } from './intensity/intensityVolumeHistogram.js';
import { LOCAL_INTENSITY_FEATURES } from './intensity/localIntensity.js';
import { MORPHOLOGY_FEATURES } from './morphology/morphologyFeatures.js';

export interface CatalogueEntry {
  family: string;
  tag: string;
  code: string;
  name: string;
}

/** The non-texture features with their IBSI tags, codes and names (texture families list their own). */
export function featureCatalogue(): CatalogueEntry[] {
  const rows: CatalogueEntry[] = [];
  const add = (family: string, table: ReadonlyArray<{ tag: string; code: string; name: string }>): void => {
    for (const f of table) rows.push({ family, tag: f.tag, code: f.code, name: f.name });
  };
  add('morphology', MORPHOLOGY_FEATURES);
  add('local_intensity', LOCAL_INTENSITY_FEATURES);
  add('intensity_statistics', INTENSITY_STATISTICS_FEATURES);
  add('intensity_histogram', INTENSITY_HISTOGRAM_FEATURES);
  add('intensity_volume_histogram', INTENSITY_VOLUME_HISTOGRAM_FEATURES);
  return rows;
}
