import { closeSync, fsyncSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Writes `file` whole or not at all, and on disk before it returns: a temporary file is flushed,
 * renamed over `file`, and the rename flushed with the folder. Used where a later step relies on
 * the file being there after a crash (the extract journal is deleted once the output is written).
 */
export function writeDurably(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeFileSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  let folder: number | undefined;
  try {
    folder = openSync(dirname(resolve(file)), 'r');
    fsyncSync(folder);
  } catch {
    // Best effort: Windows cannot open a folder, and some file systems refuse to flush one.
  } finally {
    if (folder !== undefined) closeSync(folder);
  }
}
