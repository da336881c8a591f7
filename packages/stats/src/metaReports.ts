import type { EvaluationReport, MetaAnalysisSummary } from '@fedrad/protocol';
import { unpairedAucTest } from './delong.js';
import { InvalidParameterError } from './errors.js';
import { metaAnalysisLogit } from './metaAnalysis.js';
import { requiredInterval } from './reportParts.js';

type Measure = 'auc' | 'harrellC' | 'unoC';

function siteValue(report: EvaluationReport, measure: Measure): { estimate: number; variance: number; lower?: number; upper?: number } | undefined {
  if (measure === 'auc' && report.discrimination) {
    const a = report.discrimination.auc;
    return { estimate: a.estimate, variance: report.discrimination.aucVariance, lower: a.lower, upper: a.upper };
  }
  const s = report.survival;
  if (measure === 'harrellC' && s?.harrellCVariance !== undefined) return { estimate: s.harrellC.estimate, variance: s.harrellCVariance, lower: s.harrellC.lower, upper: s.harrellC.upper };
  if (measure === 'unoC' && s?.unoCVariance !== undefined) return { estimate: s.unoC.estimate, variance: s.unoCVariance, lower: s.unoC.lower, upper: s.unoC.upper };
  return undefined;
}

/**
 * Random-effects pooling of the per-site reports of independent test sites: AUC (DeLong
 * variance) and Harrell's / Uno's C (bootstrap variance), each on the logit scale, with τ²,
 * I², Q, the prediction interval and one forest-plot row per site. A site whose estimate is 0
 * or 1 (no logit) or whose variance is missing or 0 cannot be pooled: it is left out and named in
 * `notes` (for the report's notes), never dropped silently. Measures that fewer than two sites
 * can contribute are skipped, with a note.
 */
export function metaAnalyzeReports(reports: readonly EvaluationReport[], level = 0.95): { analyses: MetaAnalysisSummary[]; notes: string[] } {
  const analyses: MetaAnalysisSummary[] = [];
  const notes: string[] = [];
  for (const measure of ['auc', 'harrellC', 'unoC'] as const) {
    const reporting = reports
      .map((r, i) => ({ report: r, label: r.siteId ?? `site-${i + 1}`, value: siteValue(r, measure) }))
      .filter((x) => x.value !== undefined);
    const rows = reporting.filter((x) => x.value!.variance > 0 && x.value!.estimate > 0 && x.value!.estimate < 1);
    const left = reporting.filter((x) => !rows.includes(x));
    if (left.length) {
      notes.push(`${measure}: ${left.map((x) => `${x.label} (${x.value!.estimate} with variance ${x.value!.variance})`).join(', ')} left out of the pooling: an estimate of 0 or 1 or a zero variance has no logit-scale weight`);
    }
    if (rows.length < 2) {
      if (reporting.length) notes.push(`${measure}: ${rows.length} site(s) can be pooled; a meta-analysis needs at least 2`);
      continue;
    }
    const m = metaAnalysisLogit(rows.map((x) => ({ label: x.label, estimate: x.value!.estimate, variance: x.value!.variance })), level);
    analyses.push({
      measure,
      scale: 'logit',
      method: 'DerSimonian-Laird',
      pooled: requiredInterval(m.estimate, m.lower, m.upper, level, 'DerSimonian-Laird, logit scale'),
      predictionInterval: requiredInterval(m.estimate, m.predictionLower, m.predictionUpper, level, 'prediction interval, normal quantile'),
      tau2: m.logitScale.tau2,
      i2: m.logitScale.i2,
      q: m.logitScale.q,
      qPValue: m.logitScale.qPValue,
      sites: rows.map((x, k) => ({
        label: x.label,
        patientCount: x.report.patientCount,
        estimate: requiredInterval(x.value!.estimate, x.value!.lower, x.value!.upper, level, 'site'),
        weight: m.logitScale.weights[k],
      })),
    });
  }
  return { analyses, notes };
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
