import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as select from '../src/commands/select.js';
import { runCommands } from './commandRunner.js';

// The sites of cv-sites.json and R's statistics on their pooled rows (scripts/fixtures/methods/selection.R).
const sites = JSON.parse(readFileSync(new URL('../../../packages/methods/test/fixtures/cv-sites.json', import.meta.url), 'utf8')).sites as Record<string, { x: number[][]; y: number[] }>;
const ref = JSON.parse(readFileSync(new URL('../../../packages/methods/test/fixtures/selection.json', import.meta.url), 'utf8')) as { q: number[]; lasso: { lambda: number; coef: number[] } };
const features = ref.q.map((_, j) => `f${j + 1}`);

function writeTables() {
  const dir = mkdtempSync(join(tmpdir(), 'fedrad-select-'));
  const cases = Object.entries(sites).flatMap(([site, d]) => d.x.map((x, i) => ({ id: `${site}-${i + 1}`, site, x, y: d.y[i] })));
  writeFileSync(join(dir, 'features.csv'), ['id,' + features.join(','), ...cases.map((c) => [c.id, ...c.x.map(String)].join(','))].join('\n') + '\n');
  writeFileSync(join(dir, 'outcome.csv'), ['id,label', ...cases.map((c) => `${c.id},${c.y}`)].join('\n') + '\n');
  writeFileSync(join(dir, 'survival.csv'), ['id,time,event', ...cases.map((c, i) => `${c.id},${i + 1},${c.y}`)].join('\n') + '\n');
  writeFileSync(join(dir, 'sites.csv'), ['id,site', ...cases.map((c) => `${c.id},${c.site}`)].join('\n') + '\n');
  const icc = { type: 'fedrad-reproducibility', features: features.map((f, j) => ({ feature: f, 'ICC(2,1)': { estimate: j === 1 ? 0.4 : 0.95, lower: j === 1 ? 0.3 : 0.9, upper: 0.99 } })) };
  writeFileSync(join(dir, 'icc.json'), JSON.stringify(icc));
  return (f: string) => join(dir, f);
}

describe('fedrad select (the local twin of federated selection)', () => {
  it("ICC filter, FDR and the LASSO step over --sites: what R's statistics say is kept; selected.json says why and has its provenance", async () => {
    const file = writeTables();
    const out = await runCommands([select], ['select', '--features', file('features.csv'), '--outcome', file('outcome.csv'), '--sites', file('sites.csv'), '--reproducibility', file('icc.json'), '--icc-threshold', '0.75', '--fdr', '0.05', '--max-correlation', '0.9', '--lasso-lambda', String(ref.lasso.lambda), '--out', file('selected.json')]);
    expect(out).toContain('selected');
    const report = JSON.parse(readFileSync(file('selected.json'), 'utf8'));
    expect(report.steps.map((s: { step: string }) => s.step)).toEqual(['near-zero-variance', 'reproducibility', 'univariate', 'correlation', 'lasso']);
    expect(report.steps[1].removed).toEqual([{ feature: 'f2', reason: 'ICC(2,1) lower 0.300 < 0.75' }]);
    const afterFdr = features.filter((f, j) => f !== 'f2' && ref.q[j] <= 0.05);
    // BH over the 7 features left after the ICC filter: those R's BH over all 8 keeps, minus f2, stay significant here too.
    expect(report.steps[2].kept).toEqual(expect.arrayContaining(afterFdr));
    expect(report.features.every((f: string) => report.steps[2].kept.includes(f))).toBe(true);
    expect(report.sites).toEqual(['site-a', 'site-b', 'site-c']);
    const provenance = JSON.parse(readFileSync(file('selected.json.provenance.json'), 'utf8'));
    expect(provenance.inputs.map((i: { role: string }) => i.role)).toEqual(['features', 'outcome', 'sites', 'reproducibility']);
  });

  it("the LASSO step alone keeps glmnet's non-zero coefficients at λ", async () => {
    const file = writeTables();
    const report = await select.runSelect({ features: file('features.csv'), outcome: file('outcome.csv'), sites: file('sites.csv'), lassoLambda: ref.lasso.lambda, out: file('s.json') });
    expect(report.features).toEqual(features.filter((_, j) => ref.lasso.coef[j + 1] !== 0));
    features.forEach((f, j) => expect(Math.abs(report.statistics[f].coefficient! - ref.lasso.coef[j + 1])).toBeLessThan(1e-6));
  });

  it("a survival outcome is tested by the Cox score test stratified by site: R's coxph score test per feature (scripts/fixtures/methods/cox-score.R)", async () => {
    const cox = JSON.parse(readFileSync(new URL('../../../packages/methods/test/fixtures/cox-score.json', import.meta.url), 'utf8')) as {
      sites: Record<string, { x: number[][]; time: number[]; event: number[] }>;
      efron: { score: number[]; q: number[] };
    };
    const dir = mkdtempSync(join(tmpdir(), 'fedrad-select-cox-'));
    const names = cox.sites['site-a'].x[0].map((_, j) => `g${j + 1}`);
    const cases = Object.entries(cox.sites).flatMap(([site, d]) => d.x.map((x, i) => ({ id: `${site}-${i + 1}`, site, x, time: d.time[i], event: d.event[i] })));
    writeFileSync(join(dir, 'features.csv'), ['id,' + names.join(','), ...cases.map((c) => [c.id, ...c.x.map(String)].join(','))].join('\n') + '\n');
    writeFileSync(join(dir, 'outcome.csv'), ['id,time,event', ...cases.map((c) => `${c.id},${c.time},${c.event}`)].join('\n') + '\n');
    writeFileSync(join(dir, 'sites.csv'), ['id,site', ...cases.map((c) => `${c.id},${c.site}`)].join('\n') + '\n');
    const report = await select.runSelect({ features: join(dir, 'features.csv'), outcome: join(dir, 'outcome.csv'), sites: join(dir, 'sites.csv'), fdr: 0.05, ties: 'efron', out: join(dir, 's.json') });
    names.forEach((f, j) => expect(Math.abs(report.statistics[f].score! - cox.efron.score[j]) / cox.efron.score[j]).toBeLessThan(1e-9));
    expect(report.features).toEqual(names.filter((_, j) => cox.efron.q[j] <= 0.05));
    expect(report.steps.find((s) => s.step === 'univariate')!.settings.test).toBe('Cox score, stratified by site (efron ties)');
  });

  it('refuses the LASSO step on a survival outcome, --ties on a binary one, and flags that need another, with the reason', async () => {
    const file = writeTables();
    await expect(select.runSelect({ features: file('features.csv'), outcome: file('survival.csv'), lassoLambda: 0.05, out: file('s.json') })).rejects.toThrow(/survival table.*logistic path/);
    await expect(select.runSelect({ features: file('features.csv'), outcome: file('outcome.csv'), ties: 'efron', out: file('s.json') })).rejects.toThrow('--ties');
    await expect(select.runSelect({ features: file('features.csv'), outcome: file('outcome.csv'), iccThreshold: 0.5, out: file('s.json') })).rejects.toThrow('give it too');
    await expect(select.runSelect({ features: file('features.csv'), outcome: file('outcome.csv'), prefer: 'reproducibility', out: file('s.json') })).rejects.toThrow('give --max-correlation too');
  });
});
