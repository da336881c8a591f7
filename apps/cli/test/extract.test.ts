import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readImage, readMask } from '@fedrad/imaging';

// The built bin is exercised end to end (worker threads load dist/commands/extractCase.js).
const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../../..');
const main = join(here, '../dist/main.js');
const ibsi = join(repo, '../shared/ibsi/ibsi1');
const phantomImage = join(ibsi, 'digital_phantom/phantom.nii.gz');
const phantomMask = join(ibsi, 'digital_phantom/mask.nii.gz');
const phantomConfig = join(repo, 'packages/radiomics/configs/ibsi-digital-phantom.json');
const NON_TEXTURE = /^(morph|loc|stat|ih|ivh)_/;

function fedrad(args: string[], env: NodeJS.ProcessEnv = process.env) {
  if (!existsSync(main)) throw new Error(`build the CLI first (npm run build): ${main} is missing`);
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', cwd: repo, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** IBSI phantom references for the non-texture families, from reference_values.csv. */
function phantomReferences(): Array<{ tag: string; value: number }> {
  const lines = readFileSync(join(ibsi, 'reference_values.csv'), 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const tagCol = header.indexOf('tag');
  return lines.slice(1)
    .map((l) => l.match(/("[^"]*"|[^,]*)(,|$)/g)!.map((f) => f.replace(/,$/, '').replace(/^"|"$/g, '')))
    .filter((f) => f[0] === 'digital_phantom' && NON_TEXTURE.test(f[tagCol]) && f[tagCol + 1] !== '')
    .map((f) => ({ tag: f[tagCol], value: Number(f[tagCol + 1]) }));
}
const sig3 = (x: number) => Number(x.toPrecision(3));

describe('fedrad extract, one case', () => {
  it('--format ibsi on the IBSI phantom NIfTI: every non-texture reference value matches (3 significant digits)', () => {
    const r = fedrad(['extract', '--image', phantomImage, '--mask', phantomMask, '--config', phantomConfig, '--format', 'ibsi']);
    expect(r.code).toBe(0);
    const features = JSON.parse(r.stdout);
    const refs = phantomReferences();
    expect(refs.length).toBe(74);
    for (const { tag, value } of refs) expect([tag, sig3(features[tag])]).toEqual([tag, sig3(value)]);
  });

  it('a DICOM MR series with its RTSTRUCT (--roi): voxel-count volume equals the rasterised ROI', () => {
    const image = join(repo, '../shared/sts-dicom/STS_002/MR_T1/image');
    const rs = join(repo, '../shared/sts-dicom/STS_002/MR_T1/mask/RS.dcm');
    const r = fedrad(['extract', '--image', image, '--mask', rs, '--roi', 'GTV_Mass_MR_T1', '--format', 'ibsi']);
    expect(r.code).toBe(0);
    const features = JSON.parse(r.stdout);
    const img = readImage(image);
    const mask = readMask(rs, img, { roi: 'GTV_Mass_MR_T1' });
    expect(features.morph_vol_approx).toBeCloseTo(mask.voxelCount * img.spacing[0] * img.spacing[1] * img.spacing[2], 6);
    for (const v of Object.values(features)) expect(v === null || Number.isFinite(v)).toBe(true);
  });

  it('the native kernels and their TypeScript twins (FEDRAD_NATIVE=0) give the same 174 features on a real CT with its RTSTRUCT', () => {
    const args = ['extract', '--image', join(repo, '../shared/sts-dicom/STS_001/CT/image'), '--mask', join(repo, '../shared/sts-dicom/STS_001/CT/mask/RS.dcm'), '--roi', 'GTV_Mass_CT', '--format', 'ibsi'];
    const { FEDRAD_NATIVE: _, ...withNative } = process.env;
    const native = fedrad(args, withNative);
    const twin = fedrad(args, { ...process.env, FEDRAD_NATIVE: '0' });
    expect([native.code, twin.code]).toEqual([0, 0]);
    // The first run must really be native: the addon is there and no fallback warning was given.
    expect(existsSync(join(repo, 'packages/radiomics/build/Release/fedrad_radiomics.node'))).toBe(true);
    expect(native.stderr).not.toMatch(/FEDRAD_NO_NATIVE/);
    const a = JSON.parse(native.stdout) as Record<string, number>, b = JSON.parse(twin.stdout) as Record<string, number>;
    expect(Object.keys(a)).toHaveLength(174);
    expect(Object.keys(a)).toEqual(Object.keys(b));
    // Moran's I and Geary's C add their spectrum sums in another order; everything else is bitwise.
    for (const tag of Object.keys(a)) {
      if (/^morph_(moran_i|geary_c)$/.test(tag)) expect([tag, a[tag]]).toEqual([tag, expect.closeTo(b[tag], 12)]);
      else expect([tag, a[tag]]).toEqual([tag, b[tag]]);
    }
  });

  it('refuses a half-given case with a usage error (exit code 2)', () => {
    const r = fedrad(['extract', '--image', phantomImage]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--image and --mask are required/);
  });

  it('an invalid config names the file and the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedrad-extract-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'discretisation:\n  texture:\n    method: FBS\n');
    const r = fedrad(['extract', '--image', phantomImage, '--mask', phantomMask, '--config', bad]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/FEATURE_CONFIG_INVALID/);
    expect(r.stderr).toMatch(/bad\.yaml/);
    expect(r.stderr).toMatch(/\/discretisation\/texture/);
  });
});

describe('fedrad extract --manifest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedrad-manifest-'));
  copyFileSync(phantomImage, join(dir, 'img.nii.gz'));
  copyFileSync(phantomMask, join(dir, 'roi.nii.gz'));
  writeFileSync(join(dir, 'cohort.csv'), [
    'id,image,mask,label',
    'P1,img.nii.gz,roi.nii.gz,',
    'P2,img.nii.gz,roi.nii.gz,1',
    'BROKEN,img.nii.gz,missing-mask.nii.gz,',
    'P4,img.nii.gz,roi.nii.gz,7',
  ].join('\n'));
  const config = join(dir, 'cfg.json');
  const phantom = JSON.parse(readFileSync(phantomConfig, 'utf8'));
  writeFileSync(config, JSON.stringify({ ...phantom, families: ['morphology', 'intensity_statistics', 'intensity_histogram'] }));

  it('runs the cases in worker threads, reports each failing case by id and reason, keeps the others, exits 1', () => {
    const out = join(dir, 'features.csv');
    const r = fedrad(['extract', '--manifest', join(dir, 'cohort.csv'), '--config', config, '--out', out, '--workers', '2', '--no-progress']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/case BROKEN failed: \[[A-Z_]+\] .*missing-mask\.nii\.gz/);
    expect(r.stderr).toMatch(/case P4 failed: \[[A-Z_]+\] .*label 7/i);
    expect(r.stderr).toMatch(/2 of 4 case\(s\) failed/);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    const header = lines[0].split(',');
    expect(header[0]).toBe('id');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['P1', 'P2']);
    const refs = new Map(phantomReferences().map((x) => [x.tag, x.value]));
    for (const line of lines.slice(1)) {
      const cells = line.split(',');
      for (const tag of ['morph_volume', 'stat_mean', 'ih_entropy', 'morph_moran_i']) {
        expect(sig3(Number(cells[header.indexOf(tag)]))).toBe(sig3(refs.get(tag)!));
      }
    }
  });

  it('JSON output lists the cases and the failures with their codes', () => {
    const out = join(dir, 'features.json');
    const r = fedrad(['extract', '--manifest', join(dir, 'cohort.csv'), '--config', config, '--out', out, '--workers', '1', '--no-progress']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    expect(doc.cases.map((c: { id: string }) => c.id)).toEqual(['P1', 'P2']);
    expect(doc.failures.map((f: { id: string }) => f.id)).toEqual(['BROKEN', 'P4']);
    for (const f of doc.failures) expect(f.code).toMatch(/^[A-Z_]+$/);
    expect(doc.cases[0].features.stat_energy).toBe(567); // IBSI phantom sanity value (README)
  });

  it('an --out in a folder that does not exist is a usage error before any case runs', () => {
    const out = join(dir, 'no-such-folder', 'features.csv');
    const r = fedrad(['extract', '--manifest', join(dir, 'cohort.csv'), '--config', config, '--out', out, '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`folder ${join(dir, 'no-such-folder')} does not exist`);
  });

  it('a manifest without a mask column is a usage error naming the column', () => {
    writeFileSync(join(dir, 'bad.csv'), 'id,image\nP1,img.nii.gz\n');
    const r = fedrad(['extract', '--manifest', join(dir, 'bad.csv'), '--out', join(dir, 'x.csv')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no "mask" column/);
  });
});
