import { describe, expect, it } from '@jest/globals';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as report from '../src/commands/report.js';
import { runReport } from '../src/commands/report.js';
import { runCommands } from './commandRunner.js';

// The example run folder (scripts/report-screenshots.mjs): three test sites, their meta-analysis,
// RQS, METRICS, model card, ICCs and feature summaries per site, laid out as `campaign export` writes them.
const example = new URL('../../../docs/report-example/', import.meta.url).pathname;

describe('fedrad report', () => {
  it('writes the self-contained HTML report of a run folder, its JSON twin and provenance', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedrad-report-'));
    const out = join(dir, 'report.html');
    const printed = await runCommands([report], ['report', '--run', example, '--out', out]);
    expect(printed).toBe(`report (sites, discrimination, meta-analysis, distributions, icc, rqs, metrics, tripod, model-card) -> ${out}, numbers -> ${join(dir, 'report.json')}\n`);
    const html = readFileSync(out, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect((html.match(/<svg /g) ?? []).length).toBe(8);
    const twin = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    // The twin's meta-analysis is the run's pooled report's, number for number.
    expect(twin.sections.find((s: { id: string }) => s.id === 'meta-analysis').data).toEqual(JSON.parse(readFileSync(join(example, 'meta-analysis.json'), 'utf8')).metaAnalyses);
    expect(twin.sections.find((s: { id: string }) => s.id === 'distributions').data).toEqual(JSON.parse(readFileSync(join(example, 'distributions.json'), 'utf8')));
    const provenance = JSON.parse(readFileSync(`${out}.provenance.json`, 'utf8'));
    expect(provenance.inputs.map((i: { role: string }) => i.role)).toEqual(expect.arrayContaining(['evaluation report', 'meta-analysis', 'RQS checklist', 'METRICS score', 'model card', 'ICC per feature', 'feature summaries per site']));
  });
  it('refuses a folder without evaluations and an invalid report, naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedrad-report-bad-'));
    await expect(runReport({ run: dir, out: join(dir, 'r.html') })).rejects.toThrow(/has no evaluations\/ folder/);
    cpSync(example, join(dir, 'run'), { recursive: true });
    writeFileSync(join(dir, 'run/evaluations/site-leiden.json'), JSON.stringify({ type: 'evaluation-report' }));
    await expect(runReport({ run: join(dir, 'run'), out: join(dir, 'r.html') })).rejects.toThrow(/site-leiden\.json/);
    cpSync(example, join(dir, 'run2'), { recursive: true });
    writeFileSync(join(dir, 'run2/distributions.json'), JSON.stringify([{ siteId: 'a', feature: 'x', stage: 'during', n: 5, mean: 1, sd: 1 }]));
    await expect(runReport({ run: join(dir, 'run2'), out: join(dir, 'r.html') })).rejects.toThrow(/distributions\.json is not a list/);
  });
});
