import type { EvaluationReport } from '@fedrad/protocol';
import { esc, interval, table } from './html.js';

/**
 * The clinical baseline at each test site (analysisPlan.baseline): the radiomics, clinical and
 * combined models on the same patients, with the paired test of each against the clinical model
 * (the added value): DeLong's of the AUCs, or for a survival outcome the paired bootstrap of
 * Harrell's C. Undefined when no site evaluated a baseline model.
 */
export function baselineTable(reports: readonly EvaluationReport[]): string | undefined {
  const withBaseline = reports.filter((r) => r.baselineModels?.length);
  if (withBaseline.length === 0) return undefined;
  const versus = (c: EvaluationReport['baselineComparison']) => (c ? esc(`Δ ${interval(c.difference)}, p = ${c.pValue.toPrecision(2)}`) : '—');
  const survival = withBaseline.some((r) => r.outcome === 'survival');
  const rows = withBaseline.flatMap((r) => [
    [esc(r.siteId ?? ''), 'radiomics', String(r.patientCount), esc(interval(r.discrimination?.auc ?? r.survival?.harrellC)), versus(r.baselineComparison)],
    ...r.baselineModels!.map((b) => [esc(r.siteId ?? ''), esc(b.model), String(b.patientCount), esc(interval(b.discrimination?.auc ?? b.survival?.harrellC)), versus(b.baselineComparison)]),
  ]);
  const test = survival ? "paired bootstrap of Harrell's C" : 'paired DeLong';
  const left = withBaseline.filter((r) => r.missingCovariates).map((r) => `${r.siteId}: ${r.missingCovariates}`);
  const note = `<p>Every model scored on the patients with every covariate${left.length ? ` (left out for a missing covariate: ${esc(left.join('; '))})` : ''}; ${test} against the clinical model.</p>`;
  return note + table(['site', 'model', 'patients', survival ? "Harrell's C [95 % CI]" : 'AUC [95 % CI]', `versus clinical (${test})`], rows);
}
