import type { EvaluationReport } from '@fedrad/protocol';
import { axis, chart } from './common.js';

export interface RocRow {
  series: string;
  falsePositiveRate: number;
  truePositiveRate: number;
}

/**
 * Each test site's ROC curve (its report's fixed FPR grid) and the pooled curve: the mean TPR at
 * each grid FPR that every site reports — vertical averaging (Fawcett 2006, Pattern Recognit Lett
 * 27:861, section 8.1), with the pooled AUC from the meta-analysis in its label.
 */
export function rocRows(reports: readonly EvaluationReport[], pooledAuc?: number): RocRow[] {
  const rows: RocRow[] = [];
  const byFpr = new Map<number, number[]>();
  for (const r of reports) {
    const curve = r.discrimination?.rocCurve ?? [];
    const label = `${r.siteId} (AUC ${r.discrimination!.auc.estimate.toFixed(2)})`;
    for (const p of curve) {
      rows.push({ series: label, ...p });
      byFpr.set(p.falsePositiveRate, [...(byFpr.get(p.falsePositiveRate) ?? []), p.truePositiveRate]);
    }
  }
  const sites = reports.filter((r) => r.discrimination?.rocCurve.length).length;
  const pooledLabel = `pooled${pooledAuc !== undefined ? ` (AUC ${pooledAuc.toFixed(2)})` : ''}`;
  if (sites >= 2) {
    for (const [fpr, tprs] of [...byFpr].sort((a, b) => a[0] - b[0])) {
      if (tprs.length === sites) rows.push({ series: pooledLabel, falsePositiveRate: fpr, truePositiveRate: tprs.reduce((a, b) => a + b, 0) / tprs.length });
    }
  }
  return rows;
}

export const rocSpec = (rows: RocRow[]) =>
  chart('ROC curves per test site and pooled', {
    layer: [
      { data: { values: [{ x: 0, y: 0 }, { x: 1, y: 1 }] }, mark: { type: 'line', color: '#999', strokeDash: [4, 4] }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } },
      {
        data: { values: rows },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 'falsePositiveRate', type: 'quantitative', ...axis('1 − specificity', [0, 1]) },
          y: { field: 'truePositiveRate', type: 'quantitative', ...axis('sensitivity', [0, 1]) },
          color: { field: 'series', type: 'nominal', title: null },
          strokeWidth: { condition: { test: "indexof(datum.series, 'pooled') === 0", value: 3 }, value: 1.5 },
        },
      },
    ],
  });
