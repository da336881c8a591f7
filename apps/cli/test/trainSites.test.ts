import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { validate } from '@fedrad/protocol';
import { register, runTrain } from '../src/commands/train.js';

// The three-site fixture and R's POOLED fits (glmnet, glm), written by
// scripts/fixtures/methods/glm-sites.R: the federated fit over the sites must equal the pooled one.
const fixture = JSON.parse(readFileSync(new URL('../../../packages/methods/test/fixtures/glm-sites.json', import.meta.url), 'utf8')) as {
  sites: Record<string, { x: number[][]; y: number[] }>;
  pooledFits: Array<{ family: 'logistic' | 'lasso-logistic' | 'elasticnet-logistic'; alpha: number; lambda: number; coef: number[] }>;
};
const featureNames = ['f1', 'f2', 'f3', 'f4', 'f5'];

/** features.csv, outcome.csv and sites.csv of the fixture in a fresh folder; cases interleaved across sites, as a pooled table would list them. */
function writeTables(siteOf: (siteId: string, i: number) => string = (s) => s) {
  const dir = mkdtempSync(join(tmpdir(), 'fedrad-train-sites-'));
  const cases = Object.entries(fixture.sites).flatMap(([siteId, d]) => d.x.map((x, i) => ({ id: `${siteId}-${i + 1}`, site: siteOf(siteId, i), x, y: d.y[i] })));
  cases.sort((a, b) => (a.id.split('-').at(-1)!.padStart(4, '0') + a.id).localeCompare(b.id.split('-').at(-1)!.padStart(4, '0') + b.id));
  writeFileSync(join(dir, 'features.csv'), ['id,' + featureNames.join(','), ...cases.map((c) => [c.id, ...c.x.map(String)].join(','))].join('\n') + '\n');
  writeFileSync(join(dir, 'outcome.csv'), ['id,label', ...cases.map((c) => `${c.id},${c.y}`)].join('\n') + '\n');
  writeFileSync(join(dir, 'sites.csv'), ['id,site', ...cases.map((c) => `${c.id},${c.site}`)].join('\r\n') + '\r\n');
  return { dir, cases, file: (f: string) => join(dir, f) };
}

describe('fedrad train --sites (the local twin of federated training)', () => {
  for (const fit of fixture.pooledFits) {
    it(`exact Newton over the three sites equals R's pooled ${fit.family} fit (1e-6); the card says federated, its sites and rounds`, async () => {
      const t = writeTables();
      const out = t.file('model.onnx');
      const program = new Command().exitOverride();
      register(program);
      const penalty = fit.family === 'logistic' ? [] : ['--lambda', String(fit.lambda), ...(fit.family === 'elasticnet-logistic' ? ['--alpha', String(fit.alpha)] : [])];
      await program.parseAsync(['train', '--features', t.file('features.csv'), '--outcome', t.file('outcome.csv'), '--sites', t.file('sites.csv'), '--model', fit.family, ...penalty, '--out', out], { from: 'user' });
      const card = JSON.parse(readFileSync(t.file('model.card.json'), 'utf8'));
      expect(validate('model-card', card).valid).toBe(true);
      expect(card.training).toMatchObject({ n: 240, optimizer: 'federated', converged: true, sites: ['site-a', 'site-b', 'site-c'] });
      expect(card.training.iterations).toBeGreaterThan(1);
      expect(card.training.iterations).toBeLessThan(50);
      expect(Math.abs(card.coefficients.intercept - fit.coef[0])).toBeLessThan(1e-6);
      featureNames.forEach((f, j) => expect(Math.abs(card.coefficients.beta[f] - fit.coef[j + 1])).toBeLessThan(1e-6));
    });
  }

  it('refuses a case that S.csv gives no site, naming it', async () => {
    const t = writeTables();
    const lines = readFileSync(t.file('sites.csv'), 'utf8').split('\r\n');
    writeFileSync(t.file('sites.csv'), lines.filter((l) => !l.startsWith('site-b-7,')).join('\r\n'));
    await expect(runTrain({ features: t.file('features.csv'), outcome: t.file('outcome.csv'), sites: t.file('sites.csv'), model: 'logistic', out: t.file('m.onnx') })).rejects.toThrow(
      `${t.file('sites.csv')} names no site for case "site-b-7" of ${t.file('features.csv')}; every case needs its site`,
    );
  });

  it('refuses a site with fewer cases than the minimum cohort, naming it', async () => {
    const t = writeTables((s, i) => (s === 'site-c' && i < 3 ? 'site-d' : s));
    await expect(runTrain({ features: t.file('features.csv'), outcome: t.file('outcome.csv'), sites: t.file('sites.csv'), model: 'logistic', out: t.file('m.onnx') })).rejects.toMatchObject({
      code: 'COHORT_TOO_SMALL',
      message: expect.stringContaining('Site site-d has 3 patients; the campaign requires at least 5'),
    });
  });

  it('refuses the federated flags without --sites', async () => {
    const t = writeTables();
    await expect(runTrain({ features: t.file('features.csv'), outcome: t.file('outcome.csv'), model: 'logistic', strategy: 'fedavg', out: t.file('m.onnx') })).rejects.toMatchObject({ code: 'CLI_USAGE' });
  });

  it("refuses the pooled fit's optimiser flags with --sites instead of ignoring them", async () => {
    const t = writeTables();
    await expect(runTrain({ features: t.file('features.csv'), outcome: t.file('outcome.csv'), sites: t.file('sites.csv'), model: 'logistic', solver: 'fista', epochs: 10, out: t.file('m.onnx') })).rejects.toMatchObject({
      code: 'CLI_USAGE',
      message: expect.stringContaining('--solver, --epochs set the pooled fit'),
    });
  });
});

describe('fedrad train --sites --class-weights balanced', () => {
  it("exact Newton with balanced weights equals R's weighted glm (scripts/fixtures/methods/class-weights.R); the card records the weights", async () => {
    const weighted = JSON.parse(readFileSync(new URL('../../../packages/methods/test/fixtures/class-weights.json', import.meta.url), 'utf8')) as { fits: Array<{ family: string; coef: number[] }> };
    const fit = weighted.fits.find((f) => f.family === 'logistic')!;
    const t = writeTables();
    await runTrain({ features: t.file('features.csv'), outcome: t.file('outcome.csv'), sites: t.file('sites.csv'), model: 'logistic', classWeights: 'balanced', out: t.file('m.onnx') });
    const card = JSON.parse(readFileSync(t.file('m.card.json'), 'utf8'));
    expect(card.hyperParameters.classWeights).toBe('balanced');
    expect(Math.abs(card.coefficients.intercept - fit.coef[0])).toBeLessThan(1e-6);
    featureNames.forEach((f, j) => expect(Math.abs(card.coefficients.beta[f] - fit.coef[j + 1])).toBeLessThan(1e-6));
  });
});

describe('fedrad train --resample', () => {
  const counts = () => {
    const y = Object.values(fixture.sites).flatMap((d) => d.y);
    const positives = y.filter((v) => v === 1).length;
    return { n: y.length, positives, negatives: y.length - positives };
  };
  it('pooled: the card records the method and the patients; the model was fitted on the rebalanced rows', async () => {
    const t = writeTables();
    const c = counts();
    await runTrain({ features: t.file('features.csv'), outcome: t.file('outcome.csv'), model: 'logistic', resample: 'undersample', resampleSeed: 4, out: t.file('u.onnx') });
    const card = JSON.parse(readFileSync(t.file('u.card.json'), 'utf8'));
    expect(validate('model-card', card).valid).toBe(true);
    const minority = Math.min(c.positives, c.negatives);
    expect(card.training).toMatchObject({ n: 2 * minority, events: minority, resampling: { method: 'undersample', seed: 4, patients: c.n, patientEvents: c.positives } });
  });

  it('over --sites: each site rebalances its own rows before the exact strategy; the card says so', async () => {
    const t = writeTables();
    await runTrain({ features: t.file('features.csv'), outcome: t.file('outcome.csv'), sites: t.file('sites.csv'), model: 'logistic', resample: 'smote', out: t.file('s.onnx') });
    const card = JSON.parse(readFileSync(t.file('s.card.json'), 'utf8'));
    expect(validate('model-card', card).valid).toBe(true);
    // Per site, SMOTE tops the minority up to the majority: n = Σ 2·max(class counts).
    const expected = Object.values(fixture.sites).reduce((a, d) => a + 2 * Math.max(d.y.filter((v) => v === 1).length, d.y.filter((v) => v === 0).length), 0);
    expect(card.training).toMatchObject({ n: expected, optimizer: 'federated', resampling: { method: 'smote', seed: 1, neighbours: 5, patients: 240 } });
  });

  it('refuses the resampling flags without --resample', async () => {
    const t = writeTables();
    await expect(runTrain({ features: t.file('features.csv'), outcome: t.file('outcome.csv'), model: 'logistic', resampleSeed: 3, out: t.file('x.onnx') })).rejects.toThrow('give --resample too');
  });
});
