import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { caseFingerprint } from '@fedrad/extraction';

// `fedrad extract --manifest … --out F` keeps F.partial.jsonl while it runs: a killed run or one
// with failed cases is resumed by the same command, which extracts only what is missing.
const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../../..');
const main = join(here, '../dist/main.js');
const phantom = join(repo, '../shared/ibsi/ibsi1/digital_phantom');
const env = { ...process.env, FEDRAD_NO_RESPAWN: '1' }; // one process, so kill -9 reaches the run itself

function fedrad(args: string[]) {
  if (!existsSync(main)) throw new Error(`build the CLI first (npm run build): ${main} is missing`);
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', env });
  return { code: r.status, stderr: r.stderr };
}

const folders: string[] = [];
afterAll(() => {
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

function tempFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fedrad-resume-'));
  folders.push(dir);
  return dir;
}

/** A folder with one copy of the IBSI phantom per case (so each case has files of its own). */
function cohort(ids: string[], missingMaskFor: string[] = []): string {
  const dir = tempFolder();
  const rows = ['id,image,mask'];
  for (const id of ids) {
    copyFileSync(join(phantom, 'phantom.nii.gz'), join(dir, `${id}-img.nii.gz`));
    if (!missingMaskFor.includes(id)) copyFileSync(join(phantom, 'mask.nii.gz'), join(dir, `${id}-roi.nii.gz`));
    rows.push(`${id},${id}-img.nii.gz,${id}-roi.nii.gz`);
  }
  writeFileSync(join(dir, 'cohort.csv'), rows.join('\n') + '\n');
  writeFileSync(join(dir, 'cfg.json'), JSON.stringify({ families: ['morphology', 'intensity_statistics'] }));
  return dir;
}

const extract = (dir: string, out: string, ...more: string[]) =>
  fedrad(['extract', '--manifest', join(dir, 'cohort.csv'), '--config', join(dir, 'cfg.json'), '--out', join(dir, out), '--workers', '1', '--no-progress', ...more]);

/** CSV rows by case id: the cells after the id. */
function rows(file: string): Map<string, string[]> {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  return new Map(lines.slice(1).map((l) => [l.split(',')[0], l.split(',').slice(1)]));
}

/** Sets a feature of one case in the journal to a value no extraction gives (non-finite ones as the journal writes them). */
function plant(journal: string, id: string, tag: string, value: number | string): void {
  const [header, ...lines] = readFileSync(journal, 'utf8').trim().split('\n');
  const edited = lines.map((l) => {
    const line = JSON.parse(l);
    if (line.outcome.id === id) line.outcome.features[tag] = value;
    return JSON.stringify(line);
  });
  writeFileSync(journal, [header, ...edited].join('\n') + '\n');
}

/** The cell of one case and feature in an output CSV. */
function cell(file: string, id: string, tag: string): string {
  const header = readFileSync(file, 'utf8').split('\n')[0].split(',').slice(1);
  return rows(file).get(id)![header.indexOf(tag)];
}

describe('fedrad extract --manifest resumes from its journal', () => {
  it('a run with a failed case keeps the others in the journal; run again, only that case is extracted', () => {
    const dir = cohort(['P1', 'P2', 'P3'], ['P3']);
    const first = extract(dir, 'f.csv');
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/case P3 failed: \[FILE_NOT_FOUND\]/);
    const journal = join(dir, 'f.csv.partial.jsonl');
    expect(readFileSync(journal, 'utf8').trim().split('\n')).toHaveLength(1 + 3); // header + one line per case
    expect([...rows(join(dir, 'f.csv')).keys()]).toEqual(['P1', 'P2']);

    // P1 as the journal holds it, with a value no extraction gives: its output row proves it was taken, not recomputed.
    plant(journal, 'P1', 'stat_mean', 12345);
    copyFileSync(join(phantom, 'mask.nii.gz'), join(dir, 'P3-roi.nii.gz'));
    const second = extract(dir, 'f.csv');
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/2 of 3 case\(s\) already extracted/);
    expect(existsSync(journal)).toBe(false); // every case done: nothing left to resume
    const out = rows(join(dir, 'f.csv'));
    expect([...out.keys()]).toEqual(['P1', 'P2', 'P3']);
    const header = readFileSync(join(dir, 'f.csv'), 'utf8').split('\n')[0].split(',').slice(1);
    expect(out.get('P1')![header.indexOf('stat_mean')]).toBe('12345');
    expect(out.get('P3')).toEqual(out.get('P2')); // the same phantom files: the same features
  });

  it('extracts a case again when its image changed, and every case when the config changed', () => {
    const dir = cohort(['P1', 'P2'], ['P2']);
    expect(extract(dir, 'f.csv').code).toBe(1);
    const journal = join(dir, 'f.csv.partial.jsonl');
    plant(journal, 'P1', 'stat_mean', 12345);
    const statMean = () => {
      const header = readFileSync(join(dir, 'f.csv'), 'utf8').split('\n')[0].split(',').slice(1);
      return rows(join(dir, 'f.csv')).get('P1')![header.indexOf('stat_mean')];
    };
    // The image touched (new modification time): P1's line no longer matches its files.
    utimesSync(join(dir, 'P1-img.nii.gz'), new Date(), new Date(Date.now() + 5000));
    expect(extract(dir, 'f.csv').stderr).toMatch(/0 of 2 case\(s\) already extracted/);
    expect(statMean()).not.toBe('12345');

    plant(journal, 'P1', 'stat_mean', 12345);
    writeFileSync(join(dir, 'cfg.json'), JSON.stringify({ families: ['morphology', 'intensity_statistics', 'intensity_histogram'] }));
    const other = extract(dir, 'f.csv');
    expect(other.stderr).toMatch(/from a run with another config or fedrad version: extracting every case again/);
    expect(statMean()).not.toBe('12345');

    plant(journal, 'P1', 'stat_mean', 12345);
    expect(extract(dir, 'f.csv', '--fresh').stderr).toMatch(/--fresh: ignoring/);
    expect(statMean()).not.toBe('12345');
  });

  it('a line torn by a kill mid-write is dropped, and the journal is rewritten without it', () => {
    const dir = cohort(['P1', 'P2', 'P3'], ['P2', 'P3']);
    expect(extract(dir, 'f.csv').code).toBe(1);
    const journal = join(dir, 'f.csv.partial.jsonl');
    appendFileSync(journal, '{"fingerprint":"abc","outcome":{"id":"P2","ok":true,"feat'); // no newline: cut short
    copyFileSync(join(phantom, 'mask.nii.gz'), join(dir, 'P2-roi.nii.gz'));
    const second = extract(dir, 'f.csv');
    expect(second.code).toBe(1); // P3 still fails, so the journal stays
    expect(second.stderr).toMatch(/1 of 3 case\(s\) already extracted/);
    const lines = readFileSync(journal, 'utf8').split('\n');
    expect(lines.pop()).toBe(''); // ends with a whole line
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(lines.slice(1).map((l) => JSON.parse(l).outcome.id).sort()).toEqual(['P1', 'P2', 'P3']);
    const out = rows(join(dir, 'f.csv'));
    expect([...out.keys()]).toEqual(['P1', 'P2']);
    expect(out.get('P2')).toEqual(out.get('P1'));
  });

  it('NaN and infinite feature values come back from the journal as they went in', () => {
    const dir = cohort(['P1', 'P2'], ['P2']);
    expect(extract(dir, 'f.csv').code).toBe(1);
    const journal = join(dir, 'f.csv.partial.jsonl');
    plant(journal, 'P1', 'stat_mean', 'NaN');
    plant(journal, 'P1', 'stat_var', '-Infinity');
    extract(dir, 'f.csv');
    expect(cell(join(dir, 'f.csv'), 'P1', 'stat_mean')).toBe('NaN'); // String(NaN), as the CSV writes it
    expect(cell(join(dir, 'f.csv'), 'P1', 'stat_var')).toBe('-Infinity');
  });

  it('another fedrad version makes the journal stale', () => {
    const dir = cohort(['P1', 'P2'], ['P2']);
    expect(extract(dir, 'f.csv').code).toBe(1);
    const journal = join(dir, 'f.csv.partial.jsonl');
    plant(journal, 'P1', 'stat_mean', 12345);
    const [header, ...rest] = readFileSync(journal, 'utf8').split('\n');
    writeFileSync(journal, [JSON.stringify({ ...JSON.parse(header), software: 'fedrad-cli@0.0.1' }), ...rest].join('\n'));
    expect(extract(dir, 'f.csv').stderr).toMatch(/another config or fedrad version/);
    expect(cell(join(dir, 'f.csv'), 'P1', 'stat_mean')).not.toBe('12345');
  });

  it('a lock held by a running process refuses a second run; one left by a dead process is taken over', () => {
    const dir = cohort(['P1']);
    const lock = join(dir, 'f.csv.lock');
    writeFileSync(lock, `${process.pid}\n`); // this test process: alive
    const refused = extract(dir, 'f.csv');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`another fedrad extract (pid ${process.pid}) is writing`);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // has exited by now
    writeFileSync(lock, `${dead}\n`);
    expect(extract(dir, 'f.csv').code).toBe(0);
    expect(existsSync(lock)).toBe(false);
  });

  it('the fingerprint covers every file a reader reads: files deep in a DICOM folder, the .img of a .hdr, the data of a .nhdr', () => {
    const dir = tempFolder();
    const touch = (p: string) => utimesSync(p, new Date(), new Date(Date.now() + 5000)); // a modification time it did not have
    const print = (image: string) => caseFingerprint({ id: 'x', image, mask: image, config: {} });
    mkdirSync(join(dir, 'series/sub'), { recursive: true });
    writeFileSync(join(dir, 'series/sub/0001.dcm'), 'a');
    const series = print(join(dir, 'series'));
    touch(join(dir, 'series/sub/0001.dcm'));
    expect(print(join(dir, 'series'))).not.toBe(series);
    writeFileSync(join(dir, 'v.hdr'), 'h');
    writeFileSync(join(dir, 'v.img'), 'i');
    const pair = print(join(dir, 'v.hdr'));
    touch(join(dir, 'v.img'));
    expect(print(join(dir, 'v.hdr'))).not.toBe(pair);
    writeFileSync(join(dir, 'v.nhdr'), 'NRRD0004\ntype: short\ndata file: data/v.raw.gz\n');
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data/v.raw.gz'), 'r');
    const detached = print(join(dir, 'v.nhdr'));
    touch(join(dir, 'data/v.raw.gz'));
    expect(print(join(dir, 'v.nhdr'))).not.toBe(detached);
  });

  it('kill -9 in the middle of a cohort, then the same command: the output equals an uninterrupted run', async () => {
    const ids = Array.from({ length: 150 }, (_, k) => `C${k}`);
    const dir = cohort(ids);
    expect(extract(dir, 'reference.csv').code).toBe(0);

    const journal = join(dir, 'f.csv.partial.jsonl');
    const child = spawn(process.execPath, [main, 'extract', '--manifest', join(dir, 'cohort.csv'), '--config', join(dir, 'cfg.json'), '--out', join(dir, 'f.csv'), '--workers', '1', '--no-progress'], { env, stdio: 'ignore' });
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    // Whole case lines only: the kill may tear the last one, which a resumed run drops.
    const caseLines = () => (existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').slice(1).filter((l) => {
      try {
        return JSON.parse(l) !== null;
      } catch {
        return false;
      }
    }).length : 0);
    const deadline = Date.now() + 60000;
    while (caseLines() < 1 && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await exited;
    const before = caseLines();
    expect(before).toBeGreaterThanOrEqual(1);
    expect(before).toBeLessThan(ids.length); // it was killed with cases still to do
    expect(existsSync(join(dir, 'f.csv'))).toBe(false);

    const resumed = extract(dir, 'f.csv');
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`${before} of ${ids.length} case\\(s\\) already extracted`));
    expect(readFileSync(join(dir, 'f.csv'), 'utf8')).toBe(readFileSync(join(dir, 'reference.csv'), 'utf8'));
  }, 120000);
});
