import type { CampaignOverview as CampaignStatus } from './siteProgress';

/** An estimate with its interval, as protocols/common.schema.json's Interval. */
export interface Interval {
  estimate: number;
  lower?: number;
  upper?: number;
}

export function formatInterval(i: Interval | undefined, digits = 3): string {
  if (!i || typeof i.estimate !== 'number') return '—';
  const f = (x: number) => x.toFixed(digits);
  return i.lower !== undefined && i.upper !== undefined ? `${f(i.estimate)} (${f(i.lower)}–${f(i.upper)})` : f(i.estimate);
}

interface ReportLike {
  siteId?: string;
  patientCount?: number;
  eventCount?: number;
  discrimination?: { auc?: Interval };
  calibration?: { slope?: Interval; calibrationInTheLarge?: Interval; brier?: Interval };
  survival?: { harrellC?: Interval; unoC?: Interval; brierScore?: Interval; calibrationSlope?: Interval };
  metaAnalyses?: Array<{ measure: string; scale: string; method: string; pooled: Interval; predictionInterval?: Interval; tau2?: number; i2?: number; sites?: Array<{ label: string; patientCount?: number; estimate: Interval; weight?: number }> }>;
}

export interface SiteRow {
  siteId: string;
  patients: number | undefined;
  events: number | undefined;
  /** Column name → formatted estimate (CI). */
  values: Record<string, string>;
}

/** The columns a campaign's reports have: binary (AUC, calibration, Brier) or survival (C-indices, Brier at the horizon). */
export function evaluationColumns(status: CampaignStatus): string[] {
  const reports = status.evaluations.map((e) => e.report as ReportLike);
  return reports.some((r) => r.survival) ? ['Harrell C', 'Uno C', 'Brier', 'Calibration slope'] : ['AUC', 'Calibration slope', 'Calibration-in-the-large', 'Brier'];
}

export function evaluationRows(status: CampaignStatus): SiteRow[] {
  return status.evaluations.map(({ siteId, report }) => {
    const r = report as ReportLike;
    const values: Record<string, string> = r.survival
      ? {
          'Harrell C': formatInterval(r.survival.harrellC),
          'Uno C': formatInterval(r.survival.unoC),
          Brier: formatInterval(r.survival.brierScore),
          'Calibration slope': formatInterval(r.survival.calibrationSlope),
        }
      : {
          AUC: formatInterval(r.discrimination?.auc),
          'Calibration slope': formatInterval(r.calibration?.slope),
          'Calibration-in-the-large': formatInterval(r.calibration?.calibrationInTheLarge),
          Brier: formatInterval(r.calibration?.brier),
        };
    return { siteId, patients: r.patientCount, events: r.eventCount, values };
  });
}

export function metaAnalysisRows(status: CampaignStatus): NonNullable<ReportLike['metaAnalyses']> {
  return ((status.metaAnalysis?.report ?? {}) as ReportLike).metaAnalyses ?? [];
}
