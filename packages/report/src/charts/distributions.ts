import type { SiteFeatureSummary } from '../reportInput.js';
import type { VegaLiteSpec } from '../renderSvg.js';

export interface DistributionRow {
  feature: string;
  site: string;
  stage: 'before' | 'after';
  n: number;
  mean: number;
  /** mean ± 1 SD: the spread the site's summary gives (no patient value leaves a site, so no box plot). */
  lower: number;
  upper: number;
}

/** At most this many features are drawn (the model's first); the twin keeps every summary. */
export const MAX_DISTRIBUTION_FEATURES = 12;

/**
 * The rows of the plot: each site's mean ± SD of each drawn feature, before and after
 * harmonisation. The model's features come first (in its order), then the rest by name.
 */
export function distributionRows(summaries: readonly SiteFeatureSummary[], modelFeatures: readonly string[] = []): { rows: DistributionRow[]; drawn: string[]; total: number } {
  const all = [...new Set(summaries.map((s) => s.feature))];
  const order = [...modelFeatures.filter((f) => all.includes(f)), ...all.filter((f) => !modelFeatures.includes(f)).sort()];
  const drawn = order.slice(0, MAX_DISTRIBUTION_FEATURES);
  const rows = summaries
    .filter((s) => drawn.includes(s.feature))
    .map((s) => ({ feature: s.feature, site: s.siteId, stage: s.stage, n: s.n, mean: s.mean, lower: s.mean - s.sd, upper: s.mean + s.sd }));
  return { rows, drawn, total: all.length };
}

/** One panel per feature (in `features` order: the model's first), each site's mean and ±1 SD bar, before and after harmonisation side by side. */
export function distributionSpec(rows: readonly DistributionRow[], features: readonly string[]): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Feature distributions per site (mean ± SD)',
    data: { values: rows },
    facet: { field: 'feature', type: 'nominal', sort: [...features], title: null, header: { labelFontSize: 11 } },
    columns: 3,
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 200,
      height: 150,
      encoding: {
        x: { field: 'site', type: 'nominal', title: null, axis: { labelAngle: -30 } },
        xOffset: { field: 'stage', type: 'nominal', sort: ['before', 'after'] },
        color: { field: 'stage', type: 'nominal', sort: ['before', 'after'], title: 'harmonisation' },
      },
      layer: [
        { mark: { type: 'rule' }, encoding: { y: { field: 'lower', type: 'quantitative', title: null, scale: { zero: false } }, y2: { field: 'upper' } } },
        { mark: { type: 'point', filled: true }, encoding: { y: { field: 'mean', type: 'quantitative' } } },
      ],
    },
    config: { font: 'Helvetica, Arial, sans-serif', view: { stroke: '#ccc' }, range: { category: { scheme: 'tableau10' } } },
  } as VegaLiteSpec;
}
