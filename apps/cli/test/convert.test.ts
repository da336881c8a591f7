import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readImage, readNifti, type ImageVolume } from '@fedrad/imaging';

// The built bin is run end to end; nibabel (Debian python3-nibabel) reads what it wrote.
const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../../..');
const main = join(here, '../dist/main.js');
const fixtures = join(repo, 'packages/imaging/test/fixtures');

function fedrad(args: string[]) {
  if (!existsSync(main)) throw new Error(`build the CLI first (npm run build): ${main} is missing`);
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', cwd: repo });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function nibabel(path: string): { shape: number[]; data: number[]; affine: number[][] } {
  const code = `
import json, sys
import nibabel as nib, numpy as np
img = nib.load(sys.argv[1])
print(json.dumps({'shape': list(img.shape), 'affine': img.affine.tolist(),
                  'data': np.asarray(img.dataobj, dtype=np.float32).ravel(order='F').astype(float).tolist()}))`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', code, path], { encoding: 'utf8', maxBuffer: 1 << 28 }));
}

/** The RAS affine of a volume read by our reader (LPS): direction · diag(spacing) | origin, x and y negated. */
function rasOf(v: ImageVolume): number[][] {
  const d = v.direction, s = v.spacing, o = v.origin;
  return [0, 1, 2].map((r) => {
    const sign = r < 2 ? -1 : 1;
    return [sign * d[3 * r] * s[0], sign * d[3 * r + 1] * s[1], sign * d[3 * r + 2] * s[2], sign * o[r]];
  });
}

describe('fedrad convert', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedrad-convert-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['an Enhanced MR multi-frame JPEG-LS file', join(fixtures, 'dicom-codecs', 'enhanced_mr_jpeg_ls.dcm')],
    ['a DICOM series folder', join(fixtures, 'dicom', 'series_ok')],
    ['an NRRD', join(fixtures, 'nrrd', 'int16_raw_ras.nrrd')],
    ['a NIfTI', join(fixtures, 'nifti', 'sform_over_qform.nii')],
  ])('%s: NIfTI with the data and geometry our reader gives the source, as nibabel reads it', (_, source) => {
    const out = join(dir, 'out.nii.gz');
    const r = fedrad(['convert', '--image', source, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const v = readImage(source);
    expect(r.stdout).toContain(`${v.dims.join('×')} voxels`);
    const nib = nibabel(out);
    expect(nib.shape).toEqual(v.dims);
    expect(nib.data).toEqual(Array.from(v.data));
    const ras = rasOf(v);
    for (let row = 0; row < 3; row++) for (let c = 0; c < 4; c++) expect(nib.affine[row][c]).toBeCloseTo(ras[row][c], 3);
    // and our own reader gets the source's volume back
    const back = readNifti(out);
    expect(Array.from(back.data)).toEqual(Array.from(v.data));
    back.origin.forEach((x, a) => expect(x).toBeCloseTo(v.origin[a], 3));
  });

  it('warns when the source was lossy-compressed, naming the syntax and ratio', () => {
    const r = fedrad(['convert', '--image', join(fixtures, 'dicom-codecs', '693_J2KI.dcm'), '--out', join(dir, 'lossy.nii')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/lossy-compressed \(JPEG 2000, 1\.2\.840\.10008\.1\.2\.4\.91, ratio 338\.68/);
  });

  it('refuses an output that is not .nii / .nii.gz as a usage error (exit 2)', () => {
    const r = fedrad(['convert', '--image', join(fixtures, 'dicom', 'series_ok'), '--out', join(dir, 'out.nrrd')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\.nii or \.nii\.gz/);
  });

  it('names the file and the transfer syntax it cannot decode', () => {
    const r = fedrad(['convert', '--image', join(fixtures, 'dicom-codecs', 'unsupported', 'MR_small_mpeg2.dcm'), '--out', join(dir, 'x.nii')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/MR_small_mpeg2\.dcm/);
    expect(r.stderr).toMatch(/MPEG2 Main Profile @ Main Level \(transfer syntax 1\.2\.840\.10008\.1\.2\.4\.100\)/);
    expect(existsSync(join(dir, 'x.nii'))).toBe(false);
  });
});
