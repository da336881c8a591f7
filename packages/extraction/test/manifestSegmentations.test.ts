import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExtractionInputError, readManifest } from '../src/index.js';

// Issue #13: a site's manifest may give further segmentations of each case (mask2, mask3, …: other
// readers) for the campaign's reproducibility step. Only a reader that asks for them gets them;
// any other refuses the columns by name rather than dropping them unseen.
const dir = mkdtempSync(join(tmpdir(), 'fedrad-manifest-segs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function manifest(text: string): string {
  const file = join(dir, `m${Math.random().toString(36).slice(2)}.csv`);
  writeFileSync(file, text);
  return file;
}

describe('manifest further segmentations', () => {
  it('reads mask2, mask3 as each case\'s further segmentations, in reader order, paths from the manifest\'s folder', () => {
    const file = manifest('id,image,mask,mask3,mask2\nP1,img/1.nii,seg/r1.nii,seg/r3.nii,seg/r2.nii\nP2,/abs/2.nii,/abs/r1.nii,/abs/r3.nii,/abs/r2.nii\n');
    const tasks = readManifest(file, {}, { segmentations: true });
    expect(tasks.map((t) => [t.id, t.mask, t.segmentations])).toEqual([
      ['P1', join(dir, 'seg/r1.nii'), [join(dir, 'seg/r2.nii'), join(dir, 'seg/r3.nii')]],
      ['P2', '/abs/r1.nii', ['/abs/r2.nii', '/abs/r3.nii']],
    ]);
    // Without further columns, a task has no `segmentations` at all (the extract job's tasks are unchanged).
    expect(readManifest(manifest('id,image,mask\nP1,a.nii,b.nii\n'), {}, { segmentations: true })[0]).not.toHaveProperty('segmentations');
  });

  it('refuses the columns for a reader that extracts one mask, a gap in the numbering, and a case without its further segmentation', () => {
    const withSecond = manifest('id,image,mask,mask2\nP1,a.nii,b.nii,c.nii\n');
    expect(() => readManifest(withSecond, {})).toThrow(ExtractionInputError);
    expect(() => readManifest(withSecond, {})).toThrow('"mask2" hold further segmentations, which only a reproducibility step reads');
    expect(() => readManifest(manifest('id,image,mask,mask3\nP1,a.nii,b.nii,c.nii\n'), {}, { segmentations: true })).toThrow('"mask3" without "mask2"');
    expect(() => readManifest(manifest('id,image,mask,mask2\nP1,a.nii,b.nii,c.nii\nP2,d.nii,e.nii,\n'), {}, { segmentations: true })).toThrow('row 3 (case P2): empty mask2 (further segmentation) path');
  });
});
