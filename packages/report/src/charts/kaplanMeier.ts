import type { EvaluationReport } from '@fedrad/protocol';
import { axis, chart } from './common.js';

export interface KaplanMeierRow {
  series: string;
  time: number;
  survival: number;
}

/** Kaplan–Meier curves of each survival site's low- and high-risk groups (split at the training cut-off), from its report. */
export function kaplanMeierRows(reports: readonly EvaluationReport[]): KaplanMeierRow[] {
  return reports.flatMap((r) =>
    (r.survival?.riskGroups ?? []).flatMap((g) => g.curve.map((p) => ({ series: `${r.siteId}: ${g.group} risk (n = ${g.patientCount})`, time: p.time, survival: p.survival }))),
  );
}

export const kaplanMeierSpec = (rows: KaplanMeierRow[]) =>
  chart('Kaplan–Meier curves by risk group', {
    data: { values: rows },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 'time', type: 'quantitative', ...axis('time') },
      y: { field: 'survival', type: 'quantitative', ...axis('survival probability', [0, 1]) },
      color: { field: 'series', type: 'nominal', title: null },
    },
  });
