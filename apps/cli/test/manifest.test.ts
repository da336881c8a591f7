import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readManifest } from '@fedrad/extraction';

// The manifest is read with the CSV layer every fedrad table shares (@fedrad/protocol readCsv):
// the expected values are the cells as RFC 4180 quotes them in the file written here.
describe('fedrad extract manifest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedrad-manifest-csv-'));

  it('reads quoted commas in ids and paths, CRLF line ends and a byte-order mark', () => {
    const file = join(dir, 'quoted.csv');
    writeFileSync(file, '\ufeffid,image,mask,label\r\n"P,1","scans/a,b.nii.gz",m1.nii.gz,1\r\n\r\nP2,/abs/i2.nrrd,"m ""2"".nrrd",0\r\n');
    const tasks = readManifest(file, {});
    expect(tasks.map((t) => [t.id, t.image, t.mask, t.label])).toEqual([
      ['P,1', join(dir, 'scans/a,b.nii.gz'), join(dir, 'm1.nii.gz'), 1],
      ['P2', '/abs/i2.nrrd', join(dir, 'm "2".nrrd'), 0],
    ]);
  });

  it('names the line of a repeated case, counting blank lines', () => {
    const file = join(dir, 'twice.csv');
    writeFileSync(file, 'id,image,mask\nP1,i.nii,m.nii\n\nP1,j.nii,n.nii\n');
    expect(() => readManifest(file, {})).toThrow(`manifest ${file} row 4: case id P1 appears twice`);
  });
});
