import type { MetaAnalysisSummary } from '@fedrad/protocol';
import { axis, chart } from './common.js';

export interface ForestRow {
  label: string;
  estimate: number;
  lower?: number;
  upper?: number;
  weight?: number;
  kind: 'site' | 'pooled' | 'prediction';
}

/** The forest plot of one meta-analysis: each site with its CI and weight, the pooled estimate and CI, and the prediction interval. */
export function forestRows(m: MetaAnalysisSummary): ForestRow[] {
  return [
    ...m.sites.map((s) => ({ label: s.label, estimate: s.estimate.estimate, lower: s.estimate.lower, upper: s.estimate.upper, weight: s.weight, kind: 'site' as const })),
    // The pooled row carries all the weight (1); a missing weight would drop its mark (Vega-Lite filters null sizes).
    { label: `pooled (${m.method})`, estimate: m.pooled.estimate, lower: m.pooled.lower, upper: m.pooled.upper, weight: 1, kind: 'pooled' },
    { label: 'prediction interval', estimate: m.predictionInterval.estimate, lower: m.predictionInterval.lower, upper: m.predictionInterval.upper, kind: 'prediction' },
  ];
}

const TITLES: Record<MetaAnalysisSummary['measure'], string> = {
  auc: 'AUC',
  harrellC: "Harrell's C",
  unoC: "Uno's C",
  calibrationSlope: 'calibration slope',
  calibrationInTheLarge: 'calibration-in-the-large',
};

export const forestSpec = (m: MetaAnalysisSummary, rows: ForestRow[]) =>
  chart(`Forest plot: ${TITLES[m.measure]} (I² ${(m.i2 * 100).toFixed(0)} %, τ² ${m.tau2.toPrecision(2)})`, {
    data: { values: rows },
    encoding: { y: { field: 'label', type: 'nominal', sort: null, title: null } },
    layer: [
      { mark: { type: 'rule', strokeWidth: 2 }, encoding: { x: { field: 'lower', type: 'quantitative', ...axis(TITLES[m.measure]), scale: { zero: false } }, x2: { field: 'upper' }, color: { field: 'kind', type: 'nominal', title: null } } },
      {
        // Sites as squares sized by their weight, the pooled estimate as a diamond; the prediction interval is its line only.
        transform: [{ filter: "datum.kind !== 'prediction'" }],
        mark: { type: 'point', filled: true },
        encoding: {
          x: { field: 'estimate', type: 'quantitative' },
          shape: { condition: { test: "datum.kind === 'pooled'", value: 'diamond' }, value: 'square' },
          size: { condition: { test: "datum.kind === 'pooled'", value: 250 }, field: 'weight', type: 'quantitative', legend: null, scale: { range: [40, 300] } },
          color: { field: 'kind', type: 'nominal', title: null },
        },
      },
    ],
  }, { height: 22 * rows.length + 20 });
