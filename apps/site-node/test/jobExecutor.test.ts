import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { LOCAL_PATH, type JobEnvelope } from '@fedrad/protocol';
import { JobExecutor } from '../src/jobExecutor.js';
import type { JobInput } from '../src/jobTypes.js';
import { envelope, generateCohorts } from './helpers.js';

// Jobs run in worker threads from the built dist/jobWorker.js (turbo builds before testing).
let dir: string;
let features: string[];
let good: JobInput['cohort'];
let broken: JobInput['cohort'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'executor-'));
  const summary = generateCohorts(dir, 'site-a=25', 3);
  features = summary.features;
  good = { name: 'training', features: summary.sites[0].featuresCsv, outcome: summary.sites[0].outcomeCsv };
  // The same table with one empty cell for case site-a-0007.
  const lines = readFileSync(good.features, 'utf8').split('\n');
  lines[7] = lines[7].replace(/,[^,]*$/, ',');
  const brokenFile = join(dir, 'broken.csv');
  writeFileSync(brokenFile, lines.join('\n'));
  broken = { ...good, features: brokenFile };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const trainParams = () => ({
  kind: 'train-round', round: 0, strategy: 'exact-newton', model: { family: 'logistic' }, features,
  globalParameters: [{ name: 'coef', shape: [features.length + 1], data: new Array(features.length + 1).fill(0) }],
});
const input = (cohort: JobInput['cohort'], env = envelope('train-round', trainParams(), 0)): JobInput => ({ envelope: env, siteId: 'site-a', cohort, minCohortSize: 5, workDir: dir });

describe('job executor (worker threads)', () => {
  it('runs train-round jobs in a warm worker and returns their model updates; a failed job does not spoil the worker', async () => {
    const executor = new JobExecutor({ concurrency: 1 });
    try {
      const out = await executor.run(input(good));
      expect(out.ok).toBe(true);
      if (out.ok) expect(out.result).toMatchObject({ kind: 'train-round', sampleCount: 25, contents: 'gradient-hessian' });
      expect((await executor.run(input(broken))).ok).toBe(false);
      const again = await executor.run(input(good));
      expect(again).toEqual(out); // same inputs, same sums, in the same (reused) worker
    } finally {
      await executor.close();
    }
  });

  it('gives up on a job at its deadline (JOB_DEADLINE) and replaces the worker', async () => {
    const silent = join(dir, 'silent.mjs');
    writeFileSync(silent, 'import { parentPort } from "node:worker_threads";\nparentPort.on("message", () => {});\n');
    const executor = new JobExecutor({ concurrency: 1, workerScript: silent });
    try {
      const out = await executor.run(input(good), new Date(Date.now() + 300));
      expect(out).toMatchObject({ ok: false, report: { code: 'JOB_DEADLINE', retryable: true } });
    } finally {
      await executor.close();
    }
  });

  it('turns bad input into an error report naming the case and column, without a stack trace', async () => {
    const out = await new JobExecutor({ concurrency: 1 }).run(input(broken));
    expect(out).toMatchObject({ ok: false, report: { type: 'error-report', code: 'TABLE_MISSING_VALUE', caseId: 'site-a-0007', field: features[2] } });
    if (!out.ok) expect(out.report.message).not.toMatch(/\n|\s+at\s+\S+\s+\(/);
  });

  it('names the file, line, case and column of an unreadable cell, but withholds the cell itself (a patient\'s data)', async () => {
    // Case site-a-0005: a feature written with a unit, and an outcome label written as a word.
    const featureLines = readFileSync(good.features, 'utf8').split('\n');
    featureLines[5] = featureLines[5].replace(/,[^,]*$/, ',12.5mm');
    const outcomeLines = readFileSync(good.outcome, 'utf8').split('\n');
    outcomeLines[5] = outcomeLines[5].replace(/,[^,]*$/, ',yes');
    const unitFile = join(dir, 'with-unit.csv');
    const wordFile = join(dir, 'label-word.csv');
    writeFileSync(unitFile, featureLines.join('\n'));
    writeFileSync(wordFile, outcomeLines.join('\n'));
    const executor = new JobExecutor({ concurrency: 1 });
    try {
      const unit = await executor.run(input({ ...good, features: unitFile }));
      expect(unit).toMatchObject({ ok: false, report: { caseId: 'site-a-0005', field: features[2] } });
      if (!unit.ok) {
        // Issue #19.7: what leaves carries no path of the site; the site keeps the full reason.
        expect(unit.report.message).toContain(LOCAL_PATH);
        expect(unit.report.message).not.toContain(dir);
        expect(unit.report.message).not.toContain(basename(unitFile));
        expect(unit.localReason).toContain(unitFile);
        expect(unit.report.message).toContain('line 6');
        expect(unit.report.message).not.toContain('12.5mm');
      }
      const word = await executor.run(input({ ...good, outcome: wordFile }));
      expect(word).toMatchObject({ ok: false, report: { caseId: 'site-a-0005' } });
      if (!word.ok) {
        expect(word.report.message).toContain(LOCAL_PATH);
        expect(word.report.message).not.toContain(dir);
        expect(word.localReason).toContain(wordFile);
        expect(word.report.message).not.toMatch(/\byes\b/);
      }
    } finally {
      await executor.close();
    }
  });

  it('refuses a job kind it does not run', async () => {
    // A kind outside this build's dispatch (runJob.ts), as a newer coordinator might send.
    const out = await new JobExecutor({ concurrency: 1 }).run(input(good, envelope('forecast' as JobEnvelope['kind'], { kind: 'forecast', features })));
    expect(out).toMatchObject({ ok: false, report: { code: 'JOB_INPUT_INVALID', field: 'kind' } });
  });

  it('survives a worker that dies or throws: the caller gets JOB_CRASHED and the next job still runs', async () => {
    const exits = join(dir, 'exits.mjs');
    writeFileSync(exits, 'process.exit(7);\n');
    const throws = join(dir, 'throws.mjs');
    writeFileSync(throws, 'setTimeout(() => { throw new Error("boom"); }, 1);\n');
    expect(await new JobExecutor({ concurrency: 1, workerScript: exits }).run(input(good))).toMatchObject({ ok: false, report: { code: 'JOB_CRASHED', retryable: true } });
    expect(await new JobExecutor({ concurrency: 1, workerScript: throws }).run(input(good))).toMatchObject({ ok: false, report: { code: 'JOB_CRASHED' } });
    const out = await new JobExecutor({ concurrency: 1 }).run(input(good));
    expect(out.ok).toBe(true);
  });
});
