import { describe, expect, it } from '@jest/globals';
import { buildReport } from '../src/index.js';
import { campaignRun, survivalReport } from './campaignRun.js';

/** The <figure> blocks of the page and, in each, how many drawn marks its SVG holds. */
function figures(html: string) {
  return [...html.matchAll(/<figure data-plot="([^"]*)">([\s\S]*?)<\/figure>/g)].map((m) => ({ caption: m[1], svg: m[2], marks: (m[2].match(/<path [^>]*d="M/g) ?? []).length }));
}

describe('buildReport', () => {
  it('one self-contained page: every section, every plot an SVG with drawn marks, no script and nothing fetched', async () => {
    const input = campaignRun(3);
    const { html, json } = await buildReport(input);
    expect(json.sections.map((s) => s.id)).toEqual(['sites', 'discrimination', 'meta-analysis', 'distributions', 'icc', 'rqs', 'metrics', 'tripod', 'model-card']);
    for (const id of json.sections.map((s) => s.id)) expect(html).toContain(`<section id="${id}">`);
    const figs = figures(html);
    // ROC, calibration, decision curves; one forest plot per pooled measure; the feature distributions; the ICC histogram.
    expect(figs.map((f) => f.caption)).toEqual(['ROC curves', 'Calibration curves', 'Decision curves', 'Forest plot: auc', 'Forest plot: calibrationSlope', 'Forest plot: calibrationInTheLarge', 'Feature distributions per site', 'ICC distribution']);
    expect(json.notDrawn).toEqual([]);
    for (const f of figs) {
      expect(f.svg.startsWith('<svg')).toBe(true);
      expect(f.marks).toBeGreaterThan(0);
    }
    // No script, stylesheet, image or external URL (the SVGs' clip paths refer to url(#id) inside the page).
    expect(html).not.toMatch(/<script|<link|<img|\ssrc=|url\((?!#)/i);
    expect(html.match(/href="([^"#][^"]*)"/g)).toBeNull();
  });

  it('the twin holds the plotted numbers: the pooled ROC is the mean of the sites\' TPRs at each grid FPR (vertical averaging)', async () => {
    const input = campaignRun(3);
    const { json } = await buildReport(input);
    const roc = (json.sections.find((s) => s.id === 'discrimination')!.data as { roc: Array<{ series: string; falsePositiveRate: number; truePositiveRate: number }> }).roc;
    const grid = input.siteReports[0].discrimination!.rocCurve;
    const pooled = roc.filter((r) => r.series.startsWith('pooled'));
    expect(pooled.map((p) => p.falsePositiveRate)).toEqual(grid.map((p) => p.falsePositiveRate));
    grid.forEach((p, k) => {
      const mean = input.siteReports.reduce((a, r) => a + r.discrimination!.rocCurve[k].truePositiveRate, 0) / 3;
      expect(pooled[k].truePositiveRate).toBeCloseTo(mean, 12);
    });
    expect(pooled[0].series).toBe(`pooled (AUC ${input.pooled!.metaAnalyses![0].pooled.estimate.toFixed(2)})`);
    const meta = json.sections.find((s) => s.id === 'meta-analysis')!.data;
    expect(meta).toEqual(input.pooled!.metaAnalyses);
  });

  it('survival sites get Kaplan–Meier curves by risk group; sections without data are left out', async () => {
    const { html, json } = await buildReport({ title: 'OS', siteReports: [survivalReport()], generatedAt: '2026-12-06T12:00:00Z', softwareVersion: '0.1.0' });
    expect(json.sections.map((s) => s.id)).toEqual(['sites', 'survival', 'tripod']);
    const [km] = figures(html);
    expect(km.caption).toBe('Kaplan–Meier curves');
    expect(km.marks).toBeGreaterThan(0);
  });

  it('escapes text from the inputs', async () => {
    const input = campaignRun(2);
    input.title = '<img src=x onerror=alert(1)>';
    const { html } = await buildReport(input);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});
