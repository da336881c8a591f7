import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { repoRoot } from './processes.js';

// scripts/generate-image-cohorts.mjs feeds the from-images demo and simulate (#13): each site's
// scanner must really be in its images (gain, offset, slice thickness), the label must really be
// in the lesions, and the same seed must give the same bytes.
const dir = mkdtempSync(join(tmpdir(), 'fedrad-image-cohorts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (...args: string[]) => spawnSync(process.execPath, [join(repoRoot, 'scripts/generate-image-cohorts.mjs'), ...args], { encoding: 'utf8' });

interface SiteSummary { siteId: string; role: string; dir: string; gain: number; offset: number; noise: number; sliceThickness: number; patients: number; events: number }

/** A NIfTI-1 read straight from the header fields (independent of @fedrad/imaging): dims, pixdim, float32 voxels. */
function readNifti(file: string): { dims: number[]; spacing: number[]; data: Float32Array } {
  const bytes = gunzipSync(readFileSync(file));
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = [1, 2, 3].map((i) => dv.getInt16(40 + 2 * i, true));
  const spacing = [1, 2, 3].map((i) => dv.getFloat32(76 + 4 * i, true));
  expect(dv.getInt16(70, true)).toBe(16); // float32
  const offset = dv.getFloat32(108, true);
  const count = dims[0] * dims[1] * dims[2];
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = dv.getFloat32(offset + 4 * i, true);
  return { dims, spacing, data };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('generate-image-cohorts', () => {
  const out = run('--out', join(dir, 'one'), '--patients', '6', '--seed', '7');
  const summary = JSON.parse(out.stdout) as { sites: SiteSummary[] };

  it('writes three training and two test sites, each with a manifest and outcome row per patient', () => {
    expect(out.status).toBe(0);
    expect(summary.sites.map((s) => [s.siteId, s.role])).toEqual([
      ['site-a', 'training'], ['site-b', 'training'], ['site-c', 'training'], ['site-d', 'test'], ['site-e', 'test'],
    ]);
    for (const s of summary.sites) {
      const manifest = readFileSync(join(s.dir, 'manifest.csv'), 'utf8').trim().split('\n');
      const outcome = readFileSync(join(s.dir, 'outcome.csv'), 'utf8').trim().split('\n');
      expect(manifest[0]).toBe('id,image,mask');
      expect(manifest).toHaveLength(7);
      expect(outcome.slice(1).filter((l) => l.endsWith(',1')).length).toBe(s.events);
    }
  });

  it("puts each site's scanner into its images: slice thickness, and background at gain × 20 + offset", () => {
    for (const s of summary.sites) {
      const ids = readFileSync(join(s.dir, 'manifest.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
      const background: number[] = [];
      for (const [, image, mask] of ids) {
        const img = readNifti(join(s.dir, image));
        const roi = readNifti(join(s.dir, mask));
        expect(img.spacing).toEqual([1, 1, s.sliceThickness]);
        expect(img.dims).toEqual(roi.dims);
        expect(img.dims[2]).toBe(Math.floor(40 / s.sliceThickness));
        const roiVoxels = roi.data.reduce((n, v) => n + (v === 1 ? 1 : 0), 0);
        expect(roiVoxels).toBeGreaterThan(100);
        for (let i = 0; i < img.data.length; i++) if (roi.data[i] === 0) background.push(img.data[i]);
      }
      // Soft tissue is 20 (unit field around it) before the scanner; the lesion's partial-volume rim moves this by < 2.
      expect(Math.abs(mean(background) - (s.gain * 20 + s.offset))).toBeLessThan(2.5);
    }
  });

  it('makes label-1 lesions brighter than label-0 ones on the same scanner', () => {
    const big = run('--out', join(dir, 'big'), '--patients', '24', '--seed', '11');
    const site = (JSON.parse(big.stdout) as { sites: SiteSummary[] }).sites[0];
    const labels = new Map(readFileSync(join(site.dir, 'outcome.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',') as [string, string]));
    const lesionMean: Record<string, number[]> = { '0': [], '1': [] };
    for (const [id, label] of labels) {
      const img = readNifti(join(site.dir, 'images', `${id}.nii.gz`));
      const roi = readNifti(join(site.dir, 'masks', `${id}.nii.gz`));
      const inside = Array.from(img.data).filter((_, i) => roi.data[i] === 1);
      lesionMean[label].push(mean(inside));
    }
    expect(lesionMean['0'].length).toBeGreaterThan(5);
    expect(lesionMean['1'].length).toBeGreaterThan(5);
    // The generator adds 8 to the lesion mean of label 1 (patient SD 8): the class means must differ by most of that.
    expect(mean(lesionMean['1']) - mean(lesionMean['0'])).toBeGreaterThan(3);
  });

  it('gives byte-identical files for the same seed', () => {
    const again = run('--out', join(dir, 'two'), '--patients', '6', '--seed', '7');
    expect(again.status).toBe(0);
    for (const file of ['site-b/images/site-b-p003.nii.gz', 'site-e/masks/site-e-p006.nii.gz', 'site-c/outcome.csv']) {
      expect(readFileSync(join(dir, 'two', file))).toEqual(readFileSync(join(dir, 'one', file)));
    }
  });

  it('adds a further reader per --readers: each mask eroded or dilated by one voxel, the rest byte-identical to the default output', () => {
    const readers = run('--out', join(dir, 'readers'), '--patients', '6', '--seed', '7', '--readers', '2');
    expect(readers.status).toBe(0);
    expect(JSON.parse(readers.stdout).readers).toBe(2);
    let eroded = 0;
    let dilated = 0;
    for (const s of summary.sites) {
      const siteDir = join(dir, 'readers', s.siteId);
      const manifest = readFileSync(join(siteDir, 'manifest.csv'), 'utf8').trim().split('\n');
      expect(manifest[0]).toBe('id,image,mask,mask2');
      for (const [id, image, mask, mask2] of manifest.slice(1).map((l) => l.split(','))) {
        expect(mask2).toBe(`masks2/${id}.nii.gz`);
        expect(readFileSync(join(siteDir, image))).toEqual(readFileSync(join(s.dir, image)));
        expect(readFileSync(join(siteDir, mask))).toEqual(readFileSync(join(s.dir, mask)));
        // Independent of the generator: the 6-neighbourhood erosion or dilation of the first mask, recomputed here.
        const first = readNifti(join(siteDir, mask));
        const second = readNifti(join(siteDir, mask2)).data;
        const [nx, ny, nz] = first.dims;
        const at = (i: number, j: number, k: number) => (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz ? 0 : first.data[i + nx * (j + ny * k)]);
        const morph = (erode: boolean) => {
          const out = new Float32Array(first.data.length);
          for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
            const n6 = [at(i - 1, j, k), at(i + 1, j, k), at(i, j - 1, k), at(i, j + 1, k), at(i, j, k - 1), at(i, j, k + 1)];
            out[i + nx * (j + ny * k)] = erode ? (at(i, j, k) && n6.every((v) => v) ? 1 : 0) : (at(i, j, k) || n6.some((v) => v) ? 1 : 0);
          }
          return out;
        };
        const [erosion, dilation] = [morph(true), morph(false)];
        const isEroded = second.every((v, i) => v === erosion[i]);
        const isDilated = !isEroded && second.every((v, i) => v === dilation[i]);
        expect(isEroded || isDilated).toBe(true);
        if (isEroded) eroded++;
        else dilated++;
      }
    }
    // Drawn at random per patient: both kinds occur among the 30 patients.
    expect(eroded).toBeGreaterThan(3);
    expect(dilated).toBeGreaterThan(3);
  });

  it('writes a clinical table per --clinical yes whose covariates relate to the label, the rest byte-identical to the default output', () => {
    // Compared with the label test's run above (same seed and size, no clinical table).
    const withTable = run('--out', join(dir, 'clinical-yes'), '--patients', '24', '--seed', '11', '--clinical', 'yes');
    expect(withTable.status).toBe(0);
    expect(JSON.parse(withTable.stdout).clinical).toBe(true);
    const rows: Array<{ label: number; age?: number; size?: number; deep?: number }> = [];
    let empty = 0;
    for (const s of summary.sites) {
      const yes = join(dir, 'clinical-yes', s.siteId);
      for (const f of ['manifest.csv', 'outcome.csv', `images/${s.siteId}-p007.nii.gz`]) expect(readFileSync(join(yes, f))).toEqual(readFileSync(join(dir, 'big', s.siteId, f)));
      const labels = new Map(readFileSync(join(yes, 'outcome.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',') as [string, string]));
      const table = readFileSync(join(yes, 'clinical.csv'), 'utf8').trim().split('\n');
      expect(table[0]).toBe('id,age,size_cm,deep');
      expect(table.map((l) => l.split(',')[0]).slice(1)).toEqual([...labels.keys()]);
      for (const line of table.slice(1)) {
        const [id, age, size, deep] = line.split(',');
        empty += [age, size, deep].filter((c) => c === '').length;
        const num = (c: string) => (c === '' ? undefined : Number(c));
        rows.push({ label: Number(labels.get(id)), age: num(age), size: num(size), deep: num(deep) });
      }
    }
    // 120 patients: the gaps are there (~5 % of 360 cells) and each covariate's class means differ the way the generator draws them.
    expect(empty).toBeGreaterThan(5);
    expect(empty).toBeLessThan(30);
    const classMean = (k: 'age' | 'size' | 'deep', label: number) => mean(rows.filter((r) => r.label === label && r[k] !== undefined).map((r) => r[k]!));
    expect(classMean('size', 1) - classMean('size', 0)).toBeGreaterThan(1.2);
    expect(classMean('age', 1) - classMean('age', 0)).toBeGreaterThan(2);
    expect(classMean('deep', 1) - classMean('deep', 0)).toBeGreaterThan(0.15);
  });

  it('refuses an unknown flag or a patient count that is not one', () => {
    expect(run('--out', join(dir, 'bad'), '--patient', '3').stderr).toContain('unknown option --patient');
    const zero = run('--out', join(dir, 'bad'), '--patients', '0');
    expect(zero.status).toBe(2);
    expect(zero.stderr).toContain('--patients must be a positive integer');
  });
});
