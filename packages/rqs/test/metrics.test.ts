import { describe, expect, it } from '@jest/globals';
import { validate } from '@fedrad/protocol';
import { METRICS_ITEMS, metricsCategory, scoreMetrics } from '../src/index.js';
import { campaign, unattest } from './provenance.js';

// References: Kocak et al., Insights Imaging 2024;15:8, Table 1 (weights, conditions) and the
// authors' METRICS tool v1.0 (score = Σ w(yes) / Σ w(applicable) × 100, one decimal; bands).
describe('METRICS item table', () => {
  it('30 items in 9 categories whose weights sum to 1, as published', () => {
    expect(METRICS_ITEMS.map((i) => i.item)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(new Set(METRICS_ITEMS.map((i) => i.category)).size).toBe(9);
    expect(Math.abs(METRICS_ITEMS.reduce((s, i) => s + i.weight, 0) - 1)).toBeLessThan(1e-9);
    // The heaviest item of the table (#3, reference standard) and of testing (#27, external testing).
    expect([METRICS_ITEMS[2].weight, METRICS_ITEMS[26].weight]).toEqual([0.0919, 0.0749]);
  });
  it('conditional items: 8–10 need segmentation (9 also full automation), 12 hand-crafted features, 14–16 tabular data, 17 end-to-end deep learning', () => {
    expect(METRICS_ITEMS.filter((i) => i.requires.length).map((i) => [i.item, i.requires])).toEqual([
      [8, [1]], [9, [1, 2]], [10, [1]], [12, [3]], [14, [4]], [15, [4]], [16, [4]], [17, [5]],
    ]);
  });
  it("the METRICS tool's bands", () => {
    expect([0, 19.9, 20, 39.9, 40, 59.9, 60, 79.9, 80, 100].map(metricsCategory)).toEqual(['Very low', 'Very low', 'Low', 'Low', 'Moderate', 'Moderate', 'Good', 'Good', 'Excellent', 'Excellent']);
  });
});

describe('scoreMetrics', () => {
  it('the full campaign: items 9 (no full automation) and 17 (no deep learning) not applicable, every other item yes: 100 %', () => {
    const r = scoreMetrics(campaign(), { computedAt: '2026-12-06T12:00:00Z' });
    expect(validate('metrics-score', JSON.parse(JSON.stringify(r)))).toEqual({ valid: true });
    expect(r.conditions.map((c) => c.answer)).toEqual([true, false, true, true, false]);
    expect(r.items.filter((i) => i.answer === 'not-applicable').map((i) => i.item)).toEqual([9, 17]);
    expect(r.items.filter((i) => i.answer === 'no')).toEqual([]);
    expect([r.score, r.category]).toEqual([100, 'Excellent']);
    expect(r.items[0]).toMatchObject({ source: 'declared', declaredBy: 'study lead (Dr A. Martin)', declaredIn: 'protocol' });
    expect(r.items[26]).toMatchObject({ source: 'derived', answer: 'yes' });
    expect(r.items[26].evidence).toContain('3 other institution(s)');
  });
  it('by hand: without items 1 (0.0368), 28 (0.0075) and 26 (0.0375), over the applicable weight 1 − 0.0225 − 0.0200 = 0.9575: 0.8757 / 0.9575 = 91.5 %', () => {
    const r = scoreMetrics(campaign((p) => (unattest('metrics-1')(p), unattest('metrics-28')(p), (p.evaluation!.internalHoldOut = false))));
    expect(r.items.filter((i) => i.answer === 'no').map((i) => i.item)).toEqual([1, 26, 28]);
    expect(r.score).toBe(91.5);
    expect(r.category).toBe('Excellent');
  });
  it('attesting full automation (condition 2) makes item 9 applicable; unattested it counts as no: 0.9575 / 0.9800 = 97.7 %', () => {
    const r = scoreMetrics(campaign((p) => p.attestations!.push({ claim: 'metrics-condition-2', value: true, by: 'study lead', at: '2026-11-01T09:00:00Z', in: 'protocol' })));
    expect(r.conditions[1]).toMatchObject({ answer: true, source: 'declared', declaredBy: 'study lead' });
    expect(r.items[8]).toMatchObject({ answer: 'no', source: 'declared' });
    expect(r.score).toBe(97.7);
  });
  it('derived items lose their point from what ran: one institution, too many variables per event, harmonisation fitted on test sites', () => {
    const r = scoreMetrics(
      campaign((p) => {
        p.sites.forEach((s) => (s.institution = 'Centre Léon Bérard'));
        p.model.trainingEvents = 40;
        p.harmonization!.fittedOn = 'all-sites';
      }),
    );
    const no = r.items.filter((i) => i.answer === 'no').map((i) => i.item);
    expect(no).toEqual([4, 16, 18, 27]);
    expect(r.items[15].evidence).toBe('40 training events for 8 model variables (5.0 per variable < 10)');
    expect(r.items[17].evidence).toBe('harmonisation was fitted on the test sites too');
  });
});
