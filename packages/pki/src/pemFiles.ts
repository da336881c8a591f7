import { chmodSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { MalformedPemError, PemFileError, type PemKind } from './errors.js';
import { parseCrl } from './crlReader.js';
import { decodePemBlock, pemKindOf, readCertificate, readCsr, readPrivateKey } from './pemBlock.js';

/** Private keys: owner read/write only. Everything else: world-readable, owner-writable. */
export const PRIVATE_MODE = 0o600;
export const PUBLIC_MODE = 0o644;

/**
 * Reads a PEM file and checks it holds a usable `expected` (fully parsed), so a wrong or damaged
 * file is reported by path when it is loaded, not later inside a TLS handshake.
 */
export function loadPem(path: string, expected: PemKind): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PemFileError(path, 'read', describeFsError(error), error);
  }
  checkPem(text, expected, `File ${path}`);
  return text;
}

/**
 * Writes a PEM file atomically (temporary file, then rename, so a crash never leaves half a key).
 * Mode 0600 when `private` is set or the PEM holds a private key: a key is never written readable
 * by others, whatever the caller asked.
 */
export function storePem(path: string, pem: string, options: { private: boolean }): void {
  const kind = pemKindOf(pem);
  if (!kind) {
    throw new MalformedPemError(`The text to store in ${path}`, options.private ? 'private key' : 'certificate', 'no PEM block FedRad knows was found');
  }
  checkPem(pem, kind, `The ${kind} to store in ${path}`);
  const isPrivate = options.private || kind === 'private key';
  const mode = isPrivate ? PRIVATE_MODE : PUBLIC_MODE;
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: isPrivate ? 0o700 : 0o755 });
    writeFileSync(temporary, pem.endsWith('\n') ? pem : pem + '\n', { mode, flag: 'wx' });
    chmodSync(temporary, mode); // the umask may have removed bits the public mode wants
    renameSync(temporary, path);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // nothing was created
    }
    throw new PemFileError(path, 'write', describeFsError(error), error);
  }
}

/** Parses a PEM of the given kind completely; throws MalformedPemError naming `source`. */
export function checkPem(pem: string, expected: PemKind, source: string): void {
  switch (expected) {
    case 'certificate':
      readCertificate(pem, source);
      return;
    case 'private key':
      readPrivateKey(pem, source);
      return;
    case 'certificate request':
      readCsr(pem, source);
      return;
    case 'certificate revocation list':
      decodePemBlock(pem, expected, source);
      parseCrl(pem, source);
      return;
  }
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'the file or its folder does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied (check the owner and mode of the file and its folder)';
    case 'EISDIR':
      return 'it is a folder, not a file';
    default:
      return (error as Error).message;
  }
}
