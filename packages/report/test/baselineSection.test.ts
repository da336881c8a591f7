import { describe, expect, it } from '@jest/globals';
import type { EvaluationReport } from '@fedrad/protocol';
import { buildReport } from '../src/index.js';

// The report shows the campaign's clinical baseline (analysisPlan.baseline) as each test site
// reported it: the numbers are the site's own (no computation here), shown per site and model.
const iv = (estimate: number, lower: number, upper: number) => ({ estimate, lower, upper });
const auc = (e: number) => ({ auc: iv(e, e - 0.1, e + 0.1), aucVariance: 0.002, rocCurve: [] }) as unknown as NonNullable<EvaluationReport['discrimination']>;
const comparison = (difference: number, pValue: number) => ({ measure: 'auc', baseline: iv(0.66, 0.55, 0.77), difference: iv(difference, difference - 0.08, difference + 0.08), pValue, method: 'paired DeLong' }) as unknown as NonNullable<EvaluationReport['baselineComparison']>;
const site = (siteId: string, missing: number): EvaluationReport => ({
  type: 'evaluation-report', reportVersion: 1, outcome: 'binary', level: 0.95, siteId, patientCount: 40, eventCount: 15, discrimination: auc(0.74),
  baselineComparison: comparison(0.08, 0.0412),
  baselineModels: [
    { model: 'clinical', modelSha256: 'a'.repeat(64), patientCount: 40, eventCount: 15, discrimination: auc(0.66) },
    { model: 'combined', modelSha256: 'b'.repeat(64), patientCount: 40, eventCount: 15, discrimination: auc(0.79), baselineComparison: comparison(0.13, 0.00731) },
  ],
  missingCovariates: missing,
});

describe('the clinical baseline in the study report', () => {
  it('lists the radiomics, clinical and combined models per test site with the paired DeLong test against the clinical model', async () => {
    const { json, html } = await buildReport({ title: 't', siteReports: [site('site-d', 3), site('site-e', 0)], generatedAt: 'now', softwareVersion: '0' });
    const section = json.sections.find((s) => s.id === 'baseline')!;
    expect(section.title).toBe('Added value over the clinical baseline');
    expect((section.data as Array<{ siteId: string; missingCovariates: number }>).map((d) => [d.siteId, d.missingCovariates])).toEqual([['site-d', 3], ['site-e', 0]]);
    expect(html).toContain('left out for a missing covariate: site-d: 3');
    expect(html).toContain('p = 0.0073');
    expect(html).toContain('p = 0.041');
    expect((html.match(/<td>combined<\/td>/g) ?? []).length).toBe(2);
  });

  it("shows a survival campaign's models by Harrell's C with the paired bootstrap against the clinical model", async () => {
    const c = (e: number) => ({ harrellC: iv(e, e - 0.1, e + 0.1), unoC: iv(e, e - 0.1, e + 0.1) }) as unknown as NonNullable<EvaluationReport['survival']>;
    const bootstrap = (difference: number, pValue: number) => ({ measure: 'harrellC', baseline: iv(0.661, 0.6, 0.72), difference: iv(difference, difference - 0.1, difference + 0.1), pValue, method: 'bootstrap-paired' }) as NonNullable<EvaluationReport['baselineComparison']>;
    const report: EvaluationReport = {
      type: 'evaluation-report', reportVersion: 1, outcome: 'survival', level: 0.95, siteId: 'site-t', patientCount: 88, eventCount: 60, survival: c(0.729), baselineComparison: bootstrap(0.068, 0.2126),
      baselineModels: [
        { model: 'clinical', modelSha256: 'a'.repeat(64), patientCount: 88, eventCount: 60, survival: c(0.661) },
        { model: 'combined', modelSha256: 'b'.repeat(64), patientCount: 88, eventCount: 60, survival: c(0.784), baselineComparison: bootstrap(0.124, 0.0016) },
      ],
      missingCovariates: 2,
    };
    const { html } = await buildReport({ title: 't', siteReports: [report], generatedAt: 'now', softwareVersion: '0' });
    expect(html).toContain("Harrell&#39;s C [95 % CI]");
    expect(html).toContain('<td>0.784 [0.684, 0.884]</td>');
    expect(html).toContain('p = 0.0016');
    expect(html).not.toContain('paired DeLong');
  });

  it('has no such section when no site evaluated a baseline model', async () => {
    const { baselineModels: _b, missingCovariates: _m, ...plain } = site('site-d', 0);
    const { json } = await buildReport({ title: 't', siteReports: [plain], generatedAt: 'now', softwareVersion: '0' });
    expect(json.sections.some((s) => s.id === 'baseline')).toBe(false);
  });
});
