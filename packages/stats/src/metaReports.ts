import { zCritical } from '@fedrad/numeric';
import type { EvaluationReport, MetaAnalysisSummary } from '@fedrad/protocol';
import { unpairedAucTest } from './delong.js';
import { InvalidParameterError, StatsInputError } from './errors.js';
import { metaAnalysis, metaAnalysisLogit, type TauMethod } from './metaAnalysis.js';
import { requiredInterval } from './reportParts.js';

type Measure = MetaAnalysisSummary['measure'];
interface SiteValue {
  estimate: number;
  variance: number;
  lower?: number;
  upper?: number;
}

/** The Wald variance behind a symmetric CI at `level`: ((upper − lower) / (2z))². */
function waldVariance(i: { estimate: number; lower?: number; upper?: number }, level: number): SiteValue | undefined {
  if (i.lower === undefined || i.upper === undefined) return undefined;
  return { estimate: i.estimate, variance: ((i.upper - i.lower) / (2 * zCritical(level))) ** 2, lower: i.lower, upper: i.upper };
}

/** Each measure: how a site's value and variance are read from its report, and the scale it pools on. */
const MEASURES: ReadonlyArray<{ measure: Measure; scale: 'logit' | 'identity'; value(r: EvaluationReport): SiteValue | undefined; notEstimable?(r: EvaluationReport): boolean }> = [
  {
    measure: 'auc',
    scale: 'logit',
    value: (r) => r.discrimination && { estimate: r.discrimination.auc.estimate, variance: r.discrimination.aucVariance, lower: r.discrimination.auc.lower, upper: r.discrimination.auc.upper },
  },
  {
    measure: 'harrellC',
    scale: 'logit',
    value: (r) => (r.survival?.harrellCVariance !== undefined ? { ...r.survival.harrellC, variance: r.survival.harrellCVariance } : undefined),
  },
  {
    measure: 'unoC',
    scale: 'logit',
    value: (r) => (r.survival?.unoCVariance !== undefined ? { ...r.survival.unoC, variance: r.survival.unoCVariance } : undefined),
  },
  // The calibration slope and intercept carry Wald CIs (evaluation-report schema): their variance is the CI's.
  // A site whose predictions separate its outcome reports calibration without a slope (not estimable).
  { measure: 'calibrationSlope', scale: 'identity', value: (r) => r.calibration?.slope && waldVariance(r.calibration.slope, r.level), notEstimable: (r) => !!r.calibration && !r.calibration.slope },
  { measure: 'calibrationInTheLarge', scale: 'identity', value: (r) => r.calibration && waldVariance(r.calibration.calibrationInTheLarge, r.level) },
];

export interface MetaReportsOptions {
  /** τ² estimator (default REML, as metafor::rma). */
  method?: TauMethod;
  /** Confidence level of the pooled CI and prediction interval (default: the reports' own, else 0.95). */
  level?: number;
}

const METHOD_NAME: Record<TauMethod, MetaAnalysisSummary['method']> = { REML: 'REML', DL: 'DerSimonian-Laird' };

/**
 * Random-effects pooling of the per-site reports of independent test sites: AUC (DeLong
 * variance) and Harrell's / Uno's C (bootstrap variance), each on the logit scale, and the
 * calibration slope and calibration-in-the-large on their own scale, with τ², I², Q, the prediction
 * interval and one forest-plot row per site. A site whose AUC or C is 0 or 1 (no logit) or whose
 * variance is missing or 0 cannot be pooled: it is left out and named in `notes` (for the report's
 * notes), never dropped silently. Measures that fewer than two sites can contribute are skipped,
 * with a note.
 */
export function metaAnalyzeReports(reports: readonly EvaluationReport[], options: MetaReportsOptions = {}): { analyses: MetaAnalysisSummary[]; notes: string[] } {
  const method = options.method ?? 'REML';
  const level = options.level ?? reports[0]?.level ?? 0.95;
  const analyses: MetaAnalysisSummary[] = [];
  const notes: string[] = [];
  for (const { measure, scale, value, notEstimable } of MEASURES) {
    const labelled = reports.map((r, i) => ({ report: r, label: r.siteId ?? `site-${i + 1}`, value: value(r) }));
    const unestimable = notEstimable ? labelled.filter((x) => notEstimable(x.report)) : [];
    if (unestimable.length) notes.push(`${measure}: ${unestimable.map((x) => x.label).join(', ')} left out of the pooling: not estimable at that site (its report's notes say why)`);
    const reporting = labelled.filter((x): x is typeof x & { value: SiteValue } => x.value !== undefined);
    const poolable = (v: SiteValue) => v.variance > 0 && Number.isFinite(v.variance) && (scale === 'identity' || (v.estimate > 0 && v.estimate < 1));
    const rows = reporting.filter((x) => poolable(x.value));
    const left = reporting.filter((x) => !rows.includes(x));
    if (left.length) {
      const why = scale === 'logit' ? 'an estimate of 0 or 1 or a zero variance has no logit-scale weight' : 'a zero variance (a degenerate CI) has no weight';
      notes.push(`${measure}: ${left.map((x) => `${x.label} (${x.value.estimate} with variance ${x.value.variance})`).join(', ')} left out of the pooling: ${why}`);
    }
    if (rows.length < 2) {
      if (reporting.length || unestimable.length) notes.push(`${measure}: ${rows.length} site(s) can be pooled; a meta-analysis needs at least 2`);
      continue;
    }
    const studies = rows.map((x) => ({ label: x.label, estimate: x.value.estimate, variance: x.value.variance }));
    const m =
      scale === 'logit'
        ? metaAnalysisLogit(studies, { method, level })
        : (() => {
            const r = metaAnalysis(studies, { method, level });
            return { ...r, logitScale: r };
          })();
    const pooledScale = m.logitScale;
    const how = `${METHOD_NAME[method]}, ${scale} scale`;
    analyses.push({
      measure,
      scale,
      method: METHOD_NAME[method],
      pooled: requiredInterval(m.estimate, m.lower, m.upper, level, how),
      predictionInterval: requiredInterval(m.estimate, m.predictionLower, m.predictionUpper, level, 'prediction interval, normal quantile'),
      tau2: pooledScale.tau2,
      i2: pooledScale.i2,
      q: pooledScale.q,
      qPValue: pooledScale.qPValue,
      sites: rows.map((x, k) => ({
        label: x.label,
        patientCount: x.report.patientCount,
        estimate: requiredInterval(x.value.estimate, x.value.lower, x.value.upper, level, 'site'),
        weight: pooledScale.weights[k],
      })),
    });
  }
  return { analyses, notes };
}

/** Reports that cannot be pooled together: different outcomes, models, levels, or the same site twice. */
export class MismatchedReportsError extends StatsInputError {
  constructor(message: string, context: { file?: string; field?: string; expected?: string; found?: string } = {}) {
    super('META_REPORTS_MISMATCH', message, context);
  }
}

/**
 * The pooled evaluation report of independent test sites (an evaluation report without a siteId,
 * holding the sum of their patients and events, every meta-analysis and its notes). Refuses, naming
 * the report (`sources[i]`, a file name, else its site), reports that are not the same model's
 * evaluation at the same level on the same kind of outcome, a site given twice, a report without a
 * site id, and a report that is itself pooled.
 */
export function pooledReport(reports: readonly EvaluationReport[], options: MetaReportsOptions & { sources?: readonly string[] } = {}): EvaluationReport {
  const name = (i: number) => options.sources?.[i] ?? reports[i].siteId ?? `report ${i + 1}`;
  if (reports.length < 2) throw new MismatchedReportsError(`A meta-analysis needs the reports of at least 2 test sites; got ${reports.length}`, { expected: 'at least 2 reports', found: `${reports.length}` });
  const first = reports[0];
  const seen = new Map<string, number>();
  reports.forEach((r, i) => {
    const same = (field: 'outcome' | 'level' | 'modelSha256', what: string) => {
      if (r[field] !== first[field]) {
        throw new MismatchedReportsError(`${name(i)} is ${what} ${String(r[field] ?? '(none)')} but ${name(0)} is ${String(first[field] ?? '(none)')}: only evaluations of one model at one confidence level on one kind of outcome can be pooled`, {
          file: name(i),
          field,
          expected: String(first[field] ?? '(none)'),
          found: String(r[field] ?? '(none)'),
        });
      }
    };
    same('outcome', 'a report on a');
    same('level', 'at confidence level');
    same('modelSha256', 'the evaluation of model');
    if (r.metaAnalyses || r.siteId === undefined) {
      throw new MismatchedReportsError(`${name(i)} is ${r.metaAnalyses ? 'a pooled report' : 'a report without a site id'}; the meta-analysis pools the reports of single test sites (fedrad evaluate --site-id ID)`, { file: name(i), field: 'siteId' });
    }
    const before = seen.get(r.siteId);
    if (before !== undefined) throw new MismatchedReportsError(`${name(i)} and ${name(before)} are both reports of site ${r.siteId}; each test site counts once`, { file: name(i), field: 'siteId', found: r.siteId });
    seen.set(r.siteId, i);
  });
  const { analyses, notes } = metaAnalyzeReports(reports, { method: options.method, level: options.level ?? first.level });
  if (!analyses.length) throw new MismatchedReportsError(`No measure can be pooled from these reports: ${notes.join('; ') || 'none carries an AUC, C-index or calibration with its variance'}`);
  return {
    type: 'evaluation-report',
    reportVersion: 1,
    outcome: first.outcome,
    ...(first.modelSha256 ? { modelSha256: first.modelSha256 } : {}),
    level: options.level ?? first.level,
    patientCount: reports.reduce((a, r) => a + r.patientCount, 0),
    eventCount: reports.reduce((a, r) => a + r.eventCount, 0),
    metaAnalyses: analyses,
    ...(notes.length ? { notes: notes.slice(0, 32).map((n) => n.slice(0, 500)) } : {}),
  };
}

/**
 * Unpaired DeLong comparison of the AUCs of two independent test sites from their reports
 * (pROC roc.test(paired = FALSE) formula on the reported AUC, DeLong variance and count).
 */
export function compareSiteAucs(first: EvaluationReport, second: EvaluationReport) {
  const side = (r: EvaluationReport) => {
    if (!r.discrimination) throw new InvalidParameterError(`report of ${r.siteId ?? 'a site'}`, 'without discrimination', 'a binary evaluation report with AUC and DeLong variance');
    return { auc: r.discrimination.auc.estimate, variance: r.discrimination.aucVariance, patients: r.patientCount };
  };
  return unpairedAucTest(side(first), side(second));
}
