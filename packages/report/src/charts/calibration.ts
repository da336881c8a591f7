import type { EvaluationReport } from '@fedrad/protocol';
import { axis, chart } from './common.js';

export interface CalibrationRow {
  site: string;
  kind: 'smoothed' | 'group';
  predicted: number;
  observed: number;
  lower?: number;
  upper?: number;
}

/** Each site's LOWESS calibration curve and its grouped observed fractions (with Wilson CIs), from its report. */
export function calibrationRows(reports: readonly EvaluationReport[]): CalibrationRow[] {
  return reports.flatMap((r) => [
    ...(r.calibration?.smoothed ?? []).map((p) => ({ site: r.siteId!, kind: 'smoothed' as const, predicted: p.predicted, observed: p.observed })),
    ...(r.calibration?.groups ?? []).map((g) => ({ site: r.siteId!, kind: 'group' as const, predicted: g.meanPredicted, observed: g.observed.estimate, lower: g.observed.lower, upper: g.observed.upper })),
  ]);
}

export const calibrationSpec = (rows: CalibrationRow[]) =>
  chart('Calibration per test site', {
    layer: [
      { data: { values: [{ x: 0, y: 0 }, { x: 1, y: 1 }] }, mark: { type: 'line', color: '#999', strokeDash: [4, 4] }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } },
      {
        data: { values: rows.filter((r) => r.kind === 'smoothed') },
        // A LOWESS curve of 0/1 outcomes may leave [0, 1] at its ends: drawn clipped to the probability square.
        mark: { type: 'line', clip: true },
        encoding: {
          x: { field: 'predicted', type: 'quantitative', ...axis('predicted probability', [0, 1]) },
          y: { field: 'observed', type: 'quantitative', ...axis('observed fraction', [0, 1]) },
          color: { field: 'site', type: 'nominal', title: null },
        },
      },
      {
        data: { values: rows.filter((r) => r.kind === 'group') },
        mark: { type: 'point', filled: true },
        encoding: { x: { field: 'predicted', type: 'quantitative' }, y: { field: 'observed', type: 'quantitative' }, color: { field: 'site', type: 'nominal', title: null } },
      },
    ],
  });
