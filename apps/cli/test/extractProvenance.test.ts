import { describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contentHash } from '@fedrad/extraction';
import { readImage } from '@fedrad/imaging';

// Issue #19: provenance on extraction outputs (4), no silent cropping (1), a summary line after a
// manifest run (9). The built CLI is run as a user runs it.
const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../../..');
const main = join(here, '../dist/main.js');
const sts = join(repo, '../shared/sts-dicom/STS_002/MR_T1');
const masks = join(repo, 'packages/imaging/test/fixtures/masks');
const expected = JSON.parse(readFileSync(join(masks, 'expected.json'), 'utf8'));
const fedrad = (args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', cwd: repo });
const opensslSha256 = (file: string) => execFileSync('openssl', ['dgst', '-sha256', '-r', file], { encoding: 'utf8' }).split(' ')[0];

describe('fedrad extract provenance', () => {
  it('a DICOM case: named by its PatientID, with the ROI taken, the inputs by hash, the kernels and the config with its defaults', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedrad-extract-prov-'));
    const out = join(dir, 'case.json');
    const r = fedrad(['extract', '--image', join(sts, 'image'), '--mask', join(sts, 'mask/RS.dcm'), '--roi', 'GTV_Mass_MR_T1', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const patientId = (readImage(join(sts, 'image')) as { dicom?: { patientId?: string } }).dicom!.patientId!;
    expect(patientId).toBeTruthy();
    expect(JSON.parse(readFileSync(out, 'utf8')).cases[0].id).toBe(patientId); // not the folder name "image"
    const p = JSON.parse(readFileSync(`${out}.provenance.json`, 'utf8'));
    expect(p.command).toBe('fedrad extract');
    expect(p.output.sha256).toBe(opensslSha256(out));
    expect(['native', 'typescript']).toContain(p.details.kernels);
    // The defaults a reader needs to know "no config" meant: FBN 32 bins, no interpolation.
    expect(JSON.stringify(p.config.value)).toContain('"bins":32');
    expect(p.config.value.interpolation).toBeNull();
    // Every family IBSI defines (chapter 3: morphology … NGLDM, eleven of them), listed, not an empty Set's {}.
    expect(p.config.value.families).toHaveLength(11);
    expect(p.config.value.families).toContain('morphology');
    const [c] = p.details.cases;
    expect(c).toMatchObject({ id: patientId, roi: 'ROI "GTV_Mass_MR_T1"', patientId });
    expect(c.mask.sha256).toBe(opensslSha256(join(sts, 'mask/RS.dcm')));
    // The series folder: its files' names and openssl digests, in order.
    const files = readdirSync(join(sts, 'image')).sort();
    const listing = join(dir, 'listing.txt');
    writeFileSync(listing, files.map((f) => `${f}\0${opensslSha256(join(sts, 'image', f))}\n`).join(''));
    expect(c.image).toMatchObject({ sha256: opensslSha256(listing), files: files.length });
    // One slice given as the image stands for its series: the same files, the same hash.
    expect(contentHash(join(sts, 'image', files[0]))).toMatchObject({ sha256: opensslSha256(listing), files: files.length });
  });

  it('a mask reaching beyond its image is refused (exit 1, MASK_BEYOND_IMAGE); --crop-mask-to-image crops, warns and records the count', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedrad-extract-crop-'));
    const args = ['extract', '--image', join(masks, 'image.nii.gz'), '--mask', join(masks, 'labels_slipped.nii.gz'), '--label', '1', '--out', join(dir, 'f.json')];
    const refused = fedrad(args);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('[MASK_BEYOND_IMAGE]');
    expect(refused.stderr).toContain(`${expected.slipped.dropped} voxels of label 1 lie beyond`);
    const cropped = fedrad([...args, '--crop-mask-to-image']);
    expect(cropped.status).toBe(0);
    expect(cropped.stderr).toContain(`warning: ${expected.slipped.dropped} voxels of the mask lay beyond the image and were cropped`);
    const p = JSON.parse(readFileSync(join(dir, 'f.json.provenance.json'), 'utf8'));
    expect(p.details.cropMaskToImage).toBe(true);
    expect(p.details.cases[0].croppedOutsideImage).toEqual({ count: expected.slipped.dropped, unit: 'voxels' });
  });

  it('a manifest run ends with a summary line and writes the provenance of every case', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedrad-extract-manifest-'));
    const manifest = join(dir, 'cohort.csv');
    writeFileSync(manifest, ['id,image,mask,label', `A,${join(masks, 'image.nii.gz')},${join(masks, 'labels.nii.gz')},1`, `B,${join(masks, 'image.nii.gz')},${join(masks, 'labels_slipped.nii.gz')},1`].join('\n') + '\n');
    const out = join(dir, 'features.csv');
    const r = fedrad(['extract', '--manifest', manifest, '--out', out, '--workers', '1', '--no-progress']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/fedrad extract: 2 case\(s\): 1 extracted, 1 failed in [\d.]+ s -> .*features\.csv \(\+ .*features\.csv\.provenance\.json\)/);
    const p = JSON.parse(readFileSync(`${out}.provenance.json`, 'utf8'));
    expect(p.inputs).toEqual([{ role: 'manifest', path: manifest, sha256: opensslSha256(manifest) }]);
    expect(p.details.cases.map((c: { id: string; failed?: { code: string } }) => [c.id, c.failed?.code])).toEqual([['A', undefined], ['B', 'MASK_BEYOND_IMAGE']]);
  });

  it('with --crop-mask-to-image a manifest run warns per cropped case, and a later run without it does not reuse the cropped case', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedrad-extract-manifest-crop-'));
    const manifest = join(dir, 'cohort.csv');
    writeFileSync(manifest, [
      'id,image,mask,label',
      `B,${join(masks, 'image.nii.gz')},${join(masks, 'labels_slipped.nii.gz')},1`,
      `C,${join(masks, 'image.nii.gz')},${join(dir, 'missing.nii.gz')},1`, // fails, so the journal stays
    ].join('\n') + '\n');
    const out = join(dir, 'features.csv');
    const cropped = fedrad(['extract', '--manifest', manifest, '--out', out, '--workers', '1', '--no-progress', '--crop-mask-to-image']);
    expect(cropped.stderr).toContain(`warning: case B: ${expected.slipped.dropped} voxels of the mask lay beyond the image and were cropped`);
    expect(cropped.stderr).toMatch(/2 case\(s\): 1 extracted, 1 failed, 1 with the mask cropped to the image/);
    const again = fedrad(['extract', '--manifest', manifest, '--out', out, '--workers', '1', '--no-progress']);
    expect(again.stderr).toContain('case B failed: [MASK_BEYOND_IMAGE]');
    expect(again.stderr).not.toContain('taken from the journal');
  });

  it("--format ibsi names each feature's IBSI code in the provenance, as reference_values.csv gives it", () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedrad-extract-ibsi-'));
    const phantom = join(repo, '../shared/ibsi/ibsi1/digital_phantom');
    const out = join(dir, 'phantom.json');
    const r = fedrad(['extract', '--image', join(phantom, 'phantom.nii.gz'), '--mask', join(phantom, 'mask.nii.gz'),
      '--config', join(repo, 'packages/radiomics/configs/ibsi-digital-phantom.json'), '--format', 'ibsi', '--out', out]);
    expect(r.status).toBe(0);
    const codes = JSON.parse(readFileSync(`${out}.provenance.json`, 'utf8')).details.ibsiFeatures as Record<string, { code: string }>;
    const lines = readFileSync(join(repo, '../shared/ibsi/ibsi1/reference_values.csv'), 'utf8').trim().split('\n').slice(1);
    let checked = 0;
    for (const line of lines) {
      const cells = line.match(/("[^"]*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, '').replace(/^"|"$/g, ''));
      const [dataset, , , , code, , , tag] = cells;
      if (dataset !== 'digital_phantom' || !(tag in codes)) continue;
      expect([tag, codes[tag].code]).toEqual([tag, code]);
      checked++;
    }
    expect(checked).toBeGreaterThan(100); // texture tags with their aggregation suffix included
    expect(Object.keys(codes)).toEqual(Object.keys(JSON.parse(readFileSync(out, 'utf8'))));
  });
});
