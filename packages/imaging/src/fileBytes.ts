import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { CorruptFileError, FileNotFoundError } from './errors.js';

/** Reads a whole file, turning fs failures into a typed error that names the file. */
export function readFileBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new FileNotFoundError(path, (e as NodeJS.ErrnoException).code ?? String(e), e);
  }
}

/** gzip streams start with 1f 8b (RFC 1952 §2.3.1). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Inflates a gzip stream. node:zlib rather than fflate: on the 256×256×64 int16 bench volume
 * the native inflater is about twice as fast (≈30 ms vs ≈60-100 ms), and reading is on the
 * hot path of every extraction. Concatenated gzip members are handled too.
 *
 * The trailer's ISIZE (RFC 1952 §2.3.1: uncompressed size mod 2^32) sizes the output buffer so
 * zlib inflates into one chunk instead of 16 kB pieces joined afterwards (~35% faster). It is
 * only a hint: a wrong value costs speed, never correctness.
 */
export function gunzip(bytes: Uint8Array, path: string): Uint8Array {
  const isize = bytes.length >= 18 ? new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 4, 4).getUint32(0, true) : 0;
  const chunkSize = Math.min(Math.max(isize + 1, 64 * 1024), 1 << 30);
  try {
    return gunzipSync(bytes, { chunkSize });
  } catch (e) {
    throw new CorruptFileError(path, 'a complete gzip stream', `gzip error: ${(e as Error).message}`, e);
  }
}

/** The file's bytes, inflated when gzip-compressed (detected by magic, not by name). */
export function readMaybeGzip(path: string): Uint8Array {
  const raw = readFileBytes(path);
  return isGzip(raw) ? gunzip(raw, path) : raw;
}
