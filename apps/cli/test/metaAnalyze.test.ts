import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validate } from '@fedrad/protocol';
import * as metaAnalyze from '../src/commands/metaAnalyze.js';
import { runMetaAnalyze } from '../src/commands/metaAnalyze.js';
import { runCommands } from './commandRunner.js';

// Site AUCs and DeLong variances with metafor's REML/DL pooling of them (scripts/fixtures/stats/meta-analysis.R).
const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../../packages/stats/test/fixtures');
const auc = JSON.parse(readFileSync(join(fixtures, 'meta-analysis.json'), 'utf8')).cases[0];
const expit = (x: number) => 1 / (1 + Math.exp(-x));

describe('fedrad meta-analyze', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedrad-meta-'));
  const paths = auc.siteEstimate.map((a: number, i: number) => {
    const path = join(dir, `r${i + 1}.json`);
    const report = { type: 'evaluation-report', reportVersion: 1, outcome: 'binary', siteId: `site-${i + 1}`, level: 0.95, patientCount: 80, eventCount: 20, discrimination: { auc: { estimate: a }, aucVariance: auc.siteVariance[i], rocCurve: [] } };
    writeFileSync(path, JSON.stringify(report));
    return path;
  });

  it('pools the site reports as metafor::rma (REML by default, DL on request) and writes a valid pooled report with provenance', async () => {
    const out = join(dir, 'meta.json');
    const printed = await runCommands([metaAnalyze], ['meta-analyze', ...paths.flatMap((p: string) => ['--reports', p]), '--out', out]);
    expect(printed).toMatch(/^auc: 0\.\d{3} \[/);
    const pooled = JSON.parse(readFileSync(out, 'utf8'));
    expect(validate('evaluation-report', pooled)).toEqual({ valid: true });
    expect(Math.abs(pooled.metaAnalyses[0].pooled.estimate - expit(auc.reml.estimate))).toBeLessThan(1e-6);
    expect(pooled.patientCount).toBe(400);
    const provenance = JSON.parse(readFileSync(`${out}.provenance.json`, 'utf8'));
    expect(provenance.command).toBe('fedrad meta-analyze');
    expect(provenance.inputs.map((i: { path: string }) => i.path)).toEqual(paths);
    expect(provenance.config.value).toEqual({ method: 'REML', level: 0.95 });
    const dl = runMetaAnalyze({ reports: paths, out: join(dir, 'dl.json'), method: 'dl' });
    expect(Math.abs(dl.metaAnalyses![0].tau2 - auc.dl.tau2)).toBeLessThan(1e-6);
  });

  it('refuses a report of another model, an invalid report and an unknown method, naming the file, and writes nothing', () => {
    const other = join(dir, 'other.json');
    writeFileSync(other, JSON.stringify({ ...JSON.parse(readFileSync(paths[0], 'utf8')), siteId: 'site-9', modelSha256: 'c'.repeat(64) }));
    const out = join(dir, 'refused.json');
    expect(() => runMetaAnalyze({ reports: [paths[0], other], out })).toThrow(/other\.json is the evaluation of model c{64} but .*r1\.json is \(none\)/);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, JSON.stringify({ type: 'evaluation-report', reportVersion: 1 }));
    expect(() => runMetaAnalyze({ reports: [paths[0], broken], out })).toThrow(/broken\.json/);
    expect(() => runMetaAnalyze({ reports: paths, out, method: 'pm' })).toThrow(/--method pm is not one of reml, dl/);
    expect(existsSync(out)).toBe(false);
  });
});
