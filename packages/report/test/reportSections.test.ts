import { describe, expect, it } from '@jest/globals';
import { distributionRows, MAX_DISTRIBUTION_FEATURES } from '../src/charts/distributions.js';
import { figureMaker, type NotDrawn } from '../src/figure.js';
import { buildReport, tripodChecklist, TRIPOD_AI_ITEMS, type SiteFeatureSummary, type VegaLiteSpec } from '../src/index.js';
import { campaignRun } from './campaignRun.js';

describe('feature distributions per site', () => {
  it("draws each site's mean ± 1 SD, the model's features first, at most 12 features; the twin keeps every summary", async () => {
    const summaries: SiteFeatureSummary[] = Array.from({ length: 15 }, (_, f) => `f${String(f).padStart(2, '0')}`).flatMap((feature, f) =>
      ['a', 'b'].flatMap((siteId) => (['before', 'after'] as const).map((stage) => ({ siteId, feature, stage, n: 20, mean: f, sd: 0.5 }))),
    );
    const d = distributionRows(summaries, ['f14', 'f03']);
    expect(d.total).toBe(15);
    expect(d.drawn).toHaveLength(MAX_DISTRIBUTION_FEATURES);
    expect(d.drawn.slice(0, 4)).toEqual(['f14', 'f03', 'f00', 'f01']);
    const row = d.rows.find((r) => r.feature === 'f14' && r.site === 'b' && r.stage === 'after')!;
    expect([row.lower, row.mean, row.upper]).toEqual([13.5, 14, 14.5]);
    const { json, html } = await buildReport({ title: 't', siteReports: [], distributions: summaries, generatedAt: 'now', softwareVersion: '0' });
    expect(json.sections.find((s) => s.id === 'distributions')!.data).toEqual(summaries);
    expect(html).toContain('the first 12 of 15 features');
  });

  it('says when there are no summaries after harmonisation', async () => {
    const before: SiteFeatureSummary[] = [{ siteId: 'a', feature: 'x', stage: 'before', n: 9, mean: 1, sd: 1 }];
    const { html } = await buildReport({ title: 't', siteReports: [], distributions: before, generatedAt: 'now', softwareVersion: '0' });
    expect(html).toContain('as extracted (no harmonisation summaries)');
  });
});

describe('a plot that cannot be drawn', () => {
  it('leaves a note in its place and in notDrawn instead of failing the report', async () => {
    const notDrawn: NotDrawn[] = [];
    const figure = figureMaker(notDrawn);
    const html = await figure({ mark: 'no-such-mark', data: { values: [] } } as unknown as VegaLiteSpec, 'Broken plot');
    expect(html).toMatch(/^<p class="note not-drawn">Broken plot: could not be drawn \(.+\)\.<\/p>$/);
    expect(notDrawn).toEqual([{ plot: 'Broken plot', reason: expect.stringMatching(/\S/) }]);
  });
});

describe('TRIPOD+AI items for external validation', () => {
  it('lists the evaluation items of Collins et al. 2024 (BMJ 2024;385:e078378, Table 1) in order', () => {
    // Every item of the checklist that applies to evaluation (marked E or D;E), except 2 (the abstract has its own checklist).
    expect(TRIPOD_AI_ITEMS.map((i) => i.item)).toEqual([
      '1', '3b', '4', '5a', '5b', '6a', '6b', '6c', '7', '8a', '8b', '8c', '9b', '9c', '10', '11', '12a', '12d', '12e', '12f', '12g', '13', '14', '15', '16', '17',
      '18c', '18d', '18e', '18f', '19', '20a', '20b', '20c', '21', '23a', '23b', '24', '25', '26', '27c',
    ]);
  });

  it('answers from the run: heterogeneity from the meta-analysis, predictors from the card, and leaves the rest to the authors', () => {
    const input = campaignRun(3);
    const t = tripodChecklist(input);
    const item = (id: string) => t.items.find((i) => i.item === id)!;
    const auc = input.pooled!.metaAnalyses!.find((m) => m.measure === 'auc')!;
    expect(item('23b').provision).toBe('provided');
    expect(item('23b').evidence).toContain(`auc: I² ${(auc.i2 * 100).toFixed(1)} %`);
    expect(item('9b').evidence).toContain('2 radiomic feature(s), 2 with their IBSI code');
    expect(item('20c').provision).toBe('provided');
    expect(item('17').provision).toBe('authors');
    expect(t.counts.provided + t.counts.partly + t.counts.authors).toBe(TRIPOD_AI_ITEMS.length);
    // Without a meta-analysis or a card, those items fall to the authors.
    const bare = tripodChecklist({ ...input, pooled: undefined, modelCard: undefined, siteReports: input.siteReports.slice(0, 1) });
    expect(bare.items.find((i) => i.item === '23b')!.provision).toBe('authors');
    expect(bare.items.find((i) => i.item === '12g')!.provision).toBe('authors');
  });
});
