import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { FileNotFoundError, UnsupportedFormatError } from './errors.js';

export type FileKind = 'dicom-folder' | 'dicom' | 'nifti' | 'nrrd';

function head(path: string, n: number): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const buf = new Uint8Array(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** What a path holds, from its name and first bytes (so a misnamed file still reads). */
export function fileKind(path: string): FileKind {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    throw new FileNotFoundError(path, (e as NodeJS.ErrnoException).code ?? String(e), e);
  }
  if (isDir) return 'dicom-folder';
  const name = path.toLowerCase();
  if (/\.(nii|hdr|img)(\.gz)?$/.test(name)) return 'nifti';
  if (/\.(nrrd|nhdr)$/.test(name)) return 'nrrd';
  const b = head(path, 352);
  if (b.length >= 4 && String.fromCharCode(b[0], b[1], b[2], b[3]) === 'NRRD') return 'nrrd';
  if (b.length >= 132 && String.fromCharCode(b[128], b[129], b[130], b[131]) === 'DICM') return 'dicom';
  if (b.length >= 348) {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const size = dv.getInt32(0, true);
    if (size === 348 || size === 540 || dv.getInt32(0, false) === 348 || dv.getInt32(0, false) === 540) return 'nifti';
  }
  if (b[0] === 0x1f && b[1] === 0x8b) return 'nifti'; // a gzip we cannot name otherwise: try NIfTI
  throw new UnsupportedFormatError(path, `unrecognised content (${b.length} bytes read, no NIfTI, NRRD or DICOM signature)`);
}
