import { afterAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFeatureConfig } from '@fedrad/radiomics';
// The built package: piscina's worker threads load dist/extractCase.js, outside jest.
import { extractCohort, ExtractionInputError, ExtractionLockedError, readManifest, toCsv, type CohortProgress } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../../..');
const ibsi = join(repo, '../shared/ibsi/ibsi1');
const phantom = join(ibsi, 'digital_phantom');
const phantomConfig = join(repo, 'packages/radiomics/configs/ibsi-digital-phantom.json');

/** An IBSI reference value of the digital phantom (reference_values.csv), by tag. */
function phantomReference(tag: string): number {
  const lines = readFileSync(join(ibsi, 'reference_values.csv'), 'utf8').trim().split(/\r?\n/);
  const split = (l: string) => l.match(/("[^"]*"|[^,]*)(,|$)/g)!.map((f) => f.replace(/,$/, '').replace(/^"|"$/g, ''));
  const header = split(lines[0]);
  const row = lines.slice(1).map(split).find((f) => f[header.indexOf('dataset')] === 'digital_phantom' && f[header.indexOf('tag')] === tag)!;
  return Number(row[header.indexOf('value')]);
}
const sig3 = (x: number) => Number(x.toPrecision(3));

const folders: string[] = [];
afterAll(() => {
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

/** A manifest of copies of the IBSI phantom; the cases in `missingMask` have no mask file. */
function cohort(ids: string[], missingMask: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'fedrad-extraction-'));
  folders.push(dir);
  const rows = ['id,image,mask'];
  for (const id of ids) {
    copyFileSync(join(phantom, 'phantom.nii.gz'), join(dir, `${id}-img.nii.gz`));
    if (!missingMask.includes(id)) copyFileSync(join(phantom, 'mask.nii.gz'), join(dir, `${id}-roi.nii.gz`));
    rows.push(`${id},${id}-img.nii.gz,${id}-roi.nii.gz`);
  }
  writeFileSync(join(dir, 'cohort.csv'), rows.join('\n') + '\n');
  return dir;
}

describe('extractCohort', () => {
  const config = parseFeatureConfig(readFileSync(phantomConfig, 'utf8'), phantomConfig);
  const dir = cohort(['P1', 'P2', 'P3', 'P4'], ['P3']);
  const out = join(dir, 'features.csv');
  const run = (progress: CohortProgress[], notices: string[]) => extractCohort({
    tasks: readManifest(join(dir, 'cohort.csv'), {}),
    config: Promise.resolve(config),
    workers: 2,
    output: { path: out, render: toCsv },
    caller: 'extraction-test@1',
    onProgress: (p) => progress.push(p),
    onNotice: (m) => notices.push(m),
  });

  it('extracts every case in a worker pool, reports the failed one, journals the rest and writes the output', async () => {
    const progress: CohortProgress[] = [];
    const notices: string[] = [];
    const result = await run(progress, notices);
    expect(result.outcomes.map((o) => [o.id, o.ok])).toEqual([['P1', true], ['P2', true], ['P3', false], ['P4', true]]);
    expect(result.failed).toBe(1);
    const failed = result.outcomes[2];
    expect(!failed.ok && failed.code).toBe('FILE_NOT_FOUND');
    for (const o of result.outcomes) {
      if (o.ok) expect(sig3(o.features.morph_volume)).toBe(phantomReference('morph_volume'));
    }
    expect(progress[0]).toMatchObject({ total: 4, done: 0, reused: 0, failed: 0 });
    expect(progress.at(-1)).toMatchObject({ total: 4, done: 4, failed: 1 });
    expect(readFileSync(out, 'utf8')).toBe(result.text);
    expect(result.text!.trim().split('\n').map((l) => l.split(',')[0])).toEqual(['id', 'P1', 'P2', 'P4']);
    // A failed case keeps the journal for a retry; the lock goes with the run.
    expect(existsSync(`${out}.partial.jsonl`)).toBe(true);
    expect(existsSync(`${out}.lock`)).toBe(false);
    expect(notices.at(-1)).toMatch(/retry only the failed case/);
  });

  it('run again, it takes the extracted cases from the journal and retries only the failed one', async () => {
    copyFileSync(join(phantom, 'mask.nii.gz'), join(dir, 'P3-roi.nii.gz'));
    const progress: CohortProgress[] = [];
    const notices: string[] = [];
    const result = await run(progress, notices);
    expect(notices[0]).toMatch(/3 of 4 case\(s\) already extracted/);
    expect(progress[0]).toMatchObject({ total: 4, done: 3, reused: 3 });
    expect(result.failed).toBe(0);
    expect(result.outcomes.every((o) => o.ok)).toBe(true);
    expect(existsSync(`${out}.partial.jsonl`)).toBe(false);
  });

  it('refuses to share an output with a running extraction', async () => {
    writeFileSync(`${out}.lock`, `${process.ppid}\n`); // the process that started this one: alive
    await expect(run([], [])).rejects.toThrow(ExtractionLockedError);
    await expect(run([], [])).rejects.toMatchObject({ code: 'EXTRACTION_LOCKED', context: { file: out }, lock: { output: out, pid: process.ppid } });
    rmSync(`${out}.lock`);
  });

  it('a manifest naming a case twice is an input error with its row', () => {
    const file = join(dir, 'twice.csv');
    writeFileSync(file, 'id,image,mask\nP1,i.nii,m.nii\nP1,j.nii,n.nii\n');
    expect(() => readManifest(file, {})).toThrow(ExtractionInputError);
    expect(() => readManifest(file, {})).toThrow(expect.objectContaining({ code: 'EXTRACTION_INPUT', context: { file, line: 3, caseId: 'P1' } }));
  });
});
