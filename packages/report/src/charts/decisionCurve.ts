import type { EvaluationReport } from '@fedrad/protocol';
import { axis, chart } from './common.js';

export interface DecisionRow {
  series: string;
  threshold: number;
  netBenefit: number;
}

/** Net benefit of the model, of treating all and of treating none, against the threshold probability, per site (Vickers & Elkin 2006). */
export function decisionRows(reports: readonly EvaluationReport[]): DecisionRow[] {
  const rows = reports.flatMap((r) =>
    (r.decisionCurve?.points ?? []).flatMap((p) => [
      { series: `${r.siteId}: model`, threshold: p.threshold, netBenefit: p.model.estimate },
      { series: `${r.siteId}: treat all`, threshold: p.threshold, netBenefit: p.treatAll },
      ...(p.baseline ? [{ series: `${r.siteId}: clinical baseline`, threshold: p.threshold, netBenefit: p.baseline.estimate }] : []),
    ]),
  );
  // Treating none is worth 0 at every threshold, whatever the site: one line.
  const thresholds = [...new Set(reports.flatMap((r) => (r.decisionCurve?.points ?? []).map((p) => p.threshold)))].sort((a, b) => a - b);
  return [...rows, ...thresholds.map((threshold) => ({ series: 'treat none', threshold, netBenefit: 0 }))];
}

/**
 * Net benefit from −0.05 to the largest benefit any strategy reaches: treating all falls towards
 * −∞ as the threshold nears 1, which would flatten every curve that matters (clipped, as
 * decision-curve plots are usually drawn, Vickers & Elkin 2006, Figure 2).
 */
export const decisionSpec = (rows: DecisionRow[]) =>
  chart('Decision curves (net benefit)', {
    data: { values: rows },
    mark: { type: 'line', clip: true },
    encoding: {
      x: { field: 'threshold', type: 'quantitative', ...axis('threshold probability') },
      y: { field: 'netBenefit', type: 'quantitative', ...axis('net benefit', [-0.05, Math.max(0.05, ...rows.map((r) => r.netBenefit))]) },
      color: { field: 'series', type: 'nominal', title: null },
      strokeDash: { condition: { test: "indexof(datum.series, 'model') < 0", value: [4, 3] }, value: [1, 0] },
    },
  });
