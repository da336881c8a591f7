import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tune from '../src/commands/tune.js';
import { coxCrossValidationMethod, coxCrossValidationResult, foldAssignment, pooledRepeats, runLocalTwin, type CoxCrossValidationSettings } from '@fedrad/methods';
import { runCommands } from './commandRunner.js';

// Three sites' survival rows and cv.glmnet(family = "cox", foldid = site) on them (scripts/fixtures/methods/cox-cv-sites.R).
const coxFixture = JSON.parse(readFileSync(new URL('../../../packages/methods/test/fixtures/cox-cv-sites.json', import.meta.url), 'utf8')) as {
  nlambda: number;
  lambdaMinRatio: number;
  sites: Record<string, { x: number[][]; time: number[]; event: number[] }>;
  cv: Array<{ alpha: number; measure: 'C' | 'deviance'; lambda: number[]; cvm: number[]; cvsd: number[]; lambdaMin: number; lambda1se: number }>;
};

// The same sites with three folds drawn within each, and cv.glmnet(family = "cox", foldid, type.measure = "deviance") (the fixture's kfold).
const coxKfold = (coxFixture as unknown as { kfold: { fold: Record<string, number[]>; cv: Array<{ alpha: number; lambda: number[]; cvm: number[]; cvsd: number[]; lambdaMin: number; lambda1se: number; foldEvents: number[] }> } }).kfold;

// Three sites' rows and glmnet::cv.glmnet's curves on them (scripts/fixtures/methods/cv-sites.R).
const fixture = JSON.parse(readFileSync(new URL('../../../packages/methods/test/fixtures/cv-sites.json', import.meta.url), 'utf8')) as {
  sites: Record<string, { x: number[][]; y: number[]; fold: number[] }>;
  cv: Array<{ scheme: string; alpha: number; measure: string; lambda: number[]; cvm: number[]; cvsd: number[]; lambdaMin: number; lambda1se: number }>;
};
const features = fixture.sites['site-a'].x[0].map((_, j) => `f${j + 1}`);

function writeTables() {
  const dir = mkdtempSync(join(tmpdir(), 'fedrad-tune-'));
  const cases = Object.entries(fixture.sites).flatMap(([site, d]) => d.x.map((x, i) => ({ id: `${site}-${i + 1}`, site, x, y: d.y[i], fold: d.fold[i] })));
  // Interleaved, as a pooled table would list them: the site table, not the order, makes the partitions.
  cases.sort((a, b) => (a.id.split('-').at(-1)!.padStart(4, '0') + a.id).localeCompare(b.id.split('-').at(-1)!.padStart(4, '0') + b.id));
  writeFileSync(join(dir, 'features.csv'), ['id,' + features.join(','), ...cases.map((c) => [c.id, ...c.x.map(String)].join(','))].join('\n') + '\n');
  writeFileSync(join(dir, 'outcome.csv'), ['id,label', ...cases.map((c) => `${c.id},${c.y}`)].join('\n') + '\n');
  writeFileSync(join(dir, 'sites.csv'), ['id,site', ...cases.map((c) => `${c.id},${c.site}`)].join('\n') + '\n');
  writeFileSync(join(dir, 'foldid.csv'), ['id,fold', ...cases.map((c) => `${c.id},${c.fold}`)].join('\n') + '\n');
  return (f: string) => join(dir, f);
}

const close = (got: number[], want: number[], tol: number) => got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(tol * Math.max(1, Math.abs(want[i]))));

describe('fedrad tune (the local twin of federated cross-validation)', () => {
  it("leave-one-site-out over --sites equals cv.glmnet with foldid = site; writes cv.json and its provenance", async () => {
    const file = writeTables();
    const ref = fixture.cv.find((c) => c.scheme === 'leave-one-site-out' && c.measure === 'deviance' && c.alpha === 1)!;
    const out = await runCommands([tune], ['tune', '--features', file('features.csv'), '--outcome', file('outcome.csv'), '--sites', file('sites.csv'), '--model', 'lasso-logistic', '--cv', 'leave-one-site-out', '--nlambda', '20', '--lambda-min-ratio', '0.01', '--out', file('cv.json')]);
    expect(out).toContain('lambda_min');
    const cv = JSON.parse(readFileSync(file('cv.json'), 'utf8'));
    expect(cv).toMatchObject({ type: 'fedrad-cv', model: 'lasso-logistic', alpha: 1, measure: 'deviance', sites: ['site-a', 'site-b', 'site-c'], folds: { scheme: 'leave-one-site-out', count: 3, sizes: [60, 80, 100] } });
    close(cv.lambda, ref.lambda, 1e-10);
    close(cv.cvm, ref.cvm, 1e-8);
    close(cv.cvsd, ref.cvsd, 1e-7);
    expect(cv.lambdaMin).toBeCloseTo(ref.lambdaMin, 12);
    expect(cv.lambda1se).toBeCloseTo(ref.lambda1se, 12);
    expect(Object.keys(cv.coefficientsMin)).toEqual(['(intercept)', ...features]);
    const provenance = JSON.parse(readFileSync(file('cv.json.provenance.json'), 'utf8'));
    expect(provenance.command).toBe('fedrad tune');
    expect(provenance.inputs.map((i: { role: string }) => i.role)).toEqual(['features', 'outcome', 'sites']);
  });

  it('K-fold with --foldid and a λ file equals cv.glmnet with that foldid; several alphas: the best one is chosen', async () => {
    const file = writeTables();
    const refs = fixture.cv.filter((c) => c.scheme === 'kfold-within-sites');
    writeFileSync(file('lambdas.txt'), refs[0].lambda.join('\n') + '\n');
    const report = await tune.runTune({ features: file('features.csv'), outcome: file('outcome.csv'), sites: file('sites.csv'), model: 'elasticnet-logistic', alpha: [1], lambdas: file('lambdas.txt'), cv: 'kfold', foldid: file('foldid.csv'), out: file('cv.json') });
    close(report.cvm, refs[0].cvm, 1e-8);
    expect(report.lambdaMin).toBeCloseTo(refs[0].lambdaMin, 12);
    const two = await tune.runTune({ features: file('features.csv'), outcome: file('outcome.csv'), sites: file('sites.csv'), model: 'elasticnet-logistic', alpha: [1, 0.5], nlambda: 20, lambdaMinRatio: 0.01, cv: 'kfold', foldid: file('foldid.csv'), out: file('cv2.json') });
    const best = (r: (typeof refs)[number]) => Math.min(...r.cvm);
    const winner = refs.reduce((a, b) => (best(b) < best(a) ? b : a));
    expect(two.alpha).toBe(winner.alpha);
    expect(two.alphas.map((a) => a.alpha)).toEqual([1, 0.5]);
    two.alphas.forEach((a) => expect(a.best).toBeCloseTo(best(refs.find((r) => r.alpha === a.alpha)!), 8));
  });

  it('refuses cox on a binary outcome or with K-fold and the C-index, leave-one-site-out without --sites, and AUC with K-fold, each with its reason', async () => {
    const file = writeTables();
    const base = { features: file('features.csv'), outcome: file('outcome.csv'), out: file('x.json') };
    await expect(tune.runTune({ ...base, sites: file('sites.csv'), model: 'cox', cv: 'leave-one-site-out' })).rejects.toThrow(/needs a survival outcome \(id,time,event\)/);
    await expect(tune.runTune({ ...base, sites: file('sites.csv'), model: 'cox', cv: 'kfold', measure: 'C' })).rejects.toThrow(/--measure C with --cv kfold: cv.glmnet's C ranks a held-out fold's pairs across sites/);
    await expect(tune.runTune({ ...base, sites: file('sites.csv'), model: 'lasso-logistic', cv: 'leave-one-site-out', measure: 'C' })).rejects.toThrow(/C-index of a Cox model/);
    await expect(tune.runTune({ ...base, model: 'lasso-logistic', cv: 'leave-one-site-out' })).rejects.toThrow('give --sites');
    await expect(tune.runTune({ ...base, sites: file('sites.csv'), model: 'lasso-logistic', cv: 'kfold', folds: 3, measure: 'auc', nlambda: 5 })).rejects.toMatchObject({ code: 'METHOD_UNSUPPORTED' });
    expect(existsSync(file('x.json'))).toBe(false);
  });

  it('--model cox over --sites equals cv.glmnet(family = "cox", foldid = site) and the method run directly (1e-9)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedrad-tune-cox-'));
    const file = (f: string) => join(dir, f);
    const cases = Object.entries(coxFixture.sites).flatMap(([site, d]) => d.x.map((x, i) => ({ id: `${site}-${i + 1}`, site, x, time: d.time[i], event: d.event[i] })));
    cases.reverse();
    const coxFeatures = cases[0].x.map((_, j) => `f${j + 1}`);
    writeFileSync(file('features.csv'), ['id,' + coxFeatures.join(','), ...cases.map((c) => [c.id, ...c.x.map(String)].join(','))].join('\n') + '\n');
    writeFileSync(file('outcome.csv'), ['id,time,event', ...cases.map((c) => `${c.id},${c.time},${c.event}`)].join('\n') + '\n');
    writeFileSync(file('sites.csv'), ['id,site', ...cases.map((c) => `${c.id},${c.site}`)].join('\n') + '\n');
    for (const ref of coxFixture.cv.filter((c) => c.alpha === 1)) {
      const out = await runCommands([tune], ['tune', '--features', file('features.csv'), '--outcome', file('outcome.csv'), '--sites', file('sites.csv'), '--model', 'cox', '--cv', 'leave-one-site-out', '--measure', ref.measure, '--nlambda', String(coxFixture.nlambda), '--lambda-min-ratio', String(coxFixture.lambdaMinRatio), '--out', file(`cv-${ref.measure}.json`)]);
      expect(out).toContain('lambda_min');
      const cv = JSON.parse(readFileSync(file(`cv-${ref.measure}.json`), 'utf8'));
      expect(cv).toMatchObject({ type: 'fedrad-cv', model: 'cox', alpha: 1, measure: ref.measure, sites: ['site-a', 'site-b', 'site-c'], folds: { scheme: 'leave-one-site-out', count: 3 } });
      close(cv.lambda, ref.lambda, 1e-10);
      close(cv.cvm, ref.cvm, 1e-8);
      close(cv.cvsd, ref.cvsd, 1e-7);
      expect(cv.lambdaMin).toBeCloseTo(ref.lambdaMin, 12);
      expect(cv.lambda1se).toBeCloseTo(ref.lambda1se, 12);
      expect(Object.keys(cv.coefficientsMin)).toEqual(coxFeatures);
      // The local twin is the method run over the same partitions: equal to 1e-9.
      const settings = { features: coxFeatures, alpha: 1, nlambda: coxFixture.nlambda, lambdaMinRatio: coxFixture.lambdaMinRatio, measure: ref.measure, minCohortSize: 5 };
      const partitions = new Map(Object.entries(coxFixture.sites).map(([s, d]) => [s, { featureNames: coxFeatures, x: Float64Array.from(d.x.flat()), time: Float64Array.from(d.time), event: Float64Array.from(d.event) }]));
      const direct = coxCrossValidationResult((await runLocalTwin(coxCrossValidationMethod(settings), partitions, { patientCount: (r) => r.time.length })).state, settings);
      close(cv.cvm, direct.cvm, 1e-9);
      close(cv.foldValues.flat(), direct.foldValues.flat(), 1e-9);
      const provenance = JSON.parse(readFileSync(file(`cv-${ref.measure}.json.provenance.json`), 'utf8'));
      expect(provenance.command).toBe('fedrad tune');
    }
  });

  it('--model cox --cv kfold with --foldid equals cv.glmnet(family = "cox", foldid, type.measure = "deviance"); --folds/--seed/--repeats draw as the method does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedrad-tune-cox-kfold-'));
    const file = (f: string) => join(dir, f);
    // In each site's order: a site draws its folds over its rows in the order it holds them.
    const cases = Object.entries(coxFixture.sites).flatMap(([site, d]) => d.x.map((x, i) => ({ id: `${site}-${i + 1}`, site, x, time: d.time[i], event: d.event[i], fold: coxKfold.fold[site][i] })));
    const coxFeatures = cases[0].x.map((_, j) => `f${j + 1}`);
    writeFileSync(file('features.csv'), ['id,' + coxFeatures.join(','), ...cases.map((c) => [c.id, ...c.x.map(String)].join(','))].join('\n') + '\n');
    writeFileSync(file('outcome.csv'), ['id,time,event', ...cases.map((c) => `${c.id},${c.time},${c.event}`)].join('\n') + '\n');
    writeFileSync(file('sites.csv'), ['id,site', ...cases.map((c) => `${c.id},${c.site}`)].join('\n') + '\n');
    writeFileSync(file('foldid.csv'), ['id,fold', ...cases.map((c) => `${c.id},${c.fold}`)].join('\n') + '\n');
    const common = ['tune', '--features', file('features.csv'), '--outcome', file('outcome.csv'), '--sites', file('sites.csv'), '--model', 'cox', '--cv', 'kfold'];
    for (const ref of coxKfold.cv) {
      await runCommands([tune], [...common, '--alpha', String(ref.alpha), '--foldid', file('foldid.csv'), '--nlambda', String(coxFixture.nlambda), '--lambda-min-ratio', String(coxFixture.lambdaMinRatio), '--out', file(`cv-${ref.alpha}.json`)]);
      const cv = JSON.parse(readFileSync(file(`cv-${ref.alpha}.json`), 'utf8'));
      expect(cv).toMatchObject({ type: 'fedrad-cv', model: 'cox', alpha: ref.alpha, measure: 'deviance', sites: ['site-a', 'site-b', 'site-c'], folds: { scheme: 'kfold', count: 3, sizes: ref.foldEvents } });
      close(cv.lambda, ref.lambda, 1e-10);
      close(cv.cvm, ref.cvm, 1e-8);
      close(cv.cvsd, ref.cvsd, 1e-7);
      expect(cv.lambdaMin).toBeCloseTo(ref.lambdaMin, 12);
      expect(cv.lambda1se).toBeCloseTo(ref.lambda1se, 12);
    }
    // Drawn folds: each site splits its rows from seed, seed + 1 (foldAssignment, as a campaign's site); two repeats pool their six folds.
    writeFileSync(file('lambdas.txt'), coxKfold.cv[0].lambda.slice(0, 6).join('\n') + '\n');
    await runCommands([tune], [...common, '--folds', '3', '--seed', '5', '--repeats', '2', '--lambdas', file('lambdas.txt'), '--out', file('cv-seeded.json')]);
    const seeded = JSON.parse(readFileSync(file('cv-seeded.json'), 'utf8'));
    const rowsOf = (d: (typeof coxFixture.sites)[string]) => ({ featureNames: coxFeatures, x: Float64Array.from(d.x.flat()), time: Float64Array.from(d.time), event: Float64Array.from(d.event) });
    const runs = [];
    for (const seed of [5, 6]) {
      const settings: CoxCrossValidationSettings = { features: coxFeatures, alpha: 1, lambdas: coxKfold.cv[0].lambda.slice(0, 6), folds: { scheme: 'kfold', count: 3, seed: 0 }, measure: 'deviance', minCohortSize: 5 };
      // The folds handed over as rows' folds (a foldid table), so the seeded draw is what is checked.
      const partitions = new Map(Object.entries(coxFixture.sites).map(([s, d]) => [s, { ...rowsOf(d), fold: foldAssignment(rowsOf(d), { scheme: 'kfold', count: 3, seed }) }]));
      runs.push(coxCrossValidationResult((await runLocalTwin(coxCrossValidationMethod(settings), partitions, { patientCount: (r) => r.time.length })).state, settings));
    }
    const pooled = pooledRepeats(runs, 'deviance');
    expect(seeded).toMatchObject({ repeats: 2, folds: { scheme: 'kfold', count: 6 } });
    close(seeded.cvm, pooled.cvm, 1e-9);
    close(seeded.cvsd, pooled.cvsd, 1e-9);
    const provenance = JSON.parse(readFileSync(file('cv-seeded.json.provenance.json'), 'utf8'));
    expect(provenance.config.value).toMatchObject({ model: 'cox', cv: 'kfold', folds: 3, repeats: 2, seed: 5, measure: 'deviance' });
  });
});
