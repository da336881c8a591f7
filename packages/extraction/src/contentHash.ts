import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { sourceFiles } from '@fedrad/imaging';

/** A file's or folder's content, by hash: what provenance records of every input. */
export interface ContentHash {
  path: string;
  /** SHA-256 of a file's bytes; of a folder (a DICOM series), its files' relative paths and hashes, in sorted order. */
  sha256: string;
  /** How many files a folder held. */
  files?: number;
}

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/**
 * Hashes what a reader reads for `path`: every file below a folder (subfolders included), or for
 * a file, the files that come with it (a DICOM slice stands for its series' folder, a NIfTI .hdr
 * for its .img, an NRRD .nhdr for its data file), so a changed slice or data file changes the hash.
 * A lone file is hashed as its bytes.
 */
export function contentHash(path: string): ContentHash {
  const full = resolve(path);
  if (!statSync(full).isDirectory()) {
    const read = sourceFiles(full).map((f) => resolve(f)).sort();
    if (read.length <= 1) return { path: full, sha256: sha256(readFileSync(full)) };
    const base = dirname(full);
    const digest = createHash('sha256');
    for (const f of read) digest.update(`${relative(base, f)}\0${sha256(readFileSync(f))}\n`);
    return { path: full, sha256: digest.digest('hex'), files: read.length };
  }
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) files.push(p);
    }
  };
  walk(full);
  const digest = createHash('sha256');
  for (const f of files) digest.update(`${relative(full, f)}\0${sha256(readFileSync(f))}\n`);
  return { path: full, sha256: digest.digest('hex'), files: files.length };
}
