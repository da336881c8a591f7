import { describe, expect, it } from '@jest/globals';
import { evaluationLines } from '../src/campaignSummary.js';

// What `simulate` and `campaign wait` print of a test site's evaluation: a survival campaign's
// report has no AUC but Harrell's C, and its baseline models' paired test is the bootstrap of C.
describe('evaluation lines', () => {
  it("print a survival model's Harrell's C and its baseline models' paired bootstrap, a binary model's AUC and paired DeLong", () => {
    const c = (estimate: number) => ({ estimate, lower: estimate - 0.1, upper: estimate + 0.1 });
    const survival = evaluationLines('site-t', {
      patientCount: 88, eventCount: 60, survival: { harrellC: c(0.729) }, missingCovariates: 2,
      baselineComparison: { baseline: c(0.661), difference: c(0.068), pValue: 0.2126, method: 'bootstrap-paired' },
      baselineModels: [
        { model: 'clinical', survival: { harrellC: c(0.661) } },
        { model: 'combined', survival: { harrellC: c(0.784) }, baselineComparison: { difference: c(0.124), pValue: 0.0016, method: 'bootstrap-paired' } },
      ],
    });
    expect(survival).toEqual([
      'independent test site site-t: 88 patients, 60 events',
      "  Harrell's C               0.729 (95% CI 0.629 to 0.829)  [bootstrap]",
      '  baseline models on the same patients (2 without every covariate left out):',
      "    clinical Harrell's C 0.661 (95% CI 0.561 to 0.761)",
      "    combined Harrell's C 0.784 (95% CI 0.684 to 0.884)  vs clinical Δ 0.124 (95% CI 0.024 to 0.224), p = 0.00160  [paired bootstrap]",
      '    radiomics vs clinical Δ 0.068 (95% CI −0.032 to 0.168), p = 0.213  [paired bootstrap]',
    ]);
    const binary = evaluationLines('site-t', { patientCount: 40, eventCount: 15, discrimination: { auc: c(0.8) }, baselineModels: [{ model: 'clinical', discrimination: { auc: c(0.7) } }], baselineComparison: { baseline: c(0.7), difference: c(0.1), pValue: 0.05, method: 'delong-paired' } });
    expect(binary).toContain('  AUC                       0.800 (95% CI 0.700 to 0.900)  [DeLong]');
    expect(binary).toContain('    radiomics vs clinical Δ 0.100 (95% CI 0.000 to 0.200), p = 0.0500  [paired DeLong]');
  });
});
