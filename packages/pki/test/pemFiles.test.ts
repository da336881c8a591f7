// Keys on disk: 0600 for anything private (POSIX mode bits read back with stat), whole-file
// parsing on load so a wrong or damaged file is reported by path.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCampaignCa, loadPem, MalformedPemError, PemFileError, storePem, type CampaignCa } from '../src/index.js';

let dir: string;
let ca: CampaignCa;
const modeOf = (path: string) => statSync(path).mode & 0o777;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fedrad-pki-'));
  ca = createCampaignCa({ campaignId: 'files', validityDays: 30 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('storePem', () => {
  it('writes a private key with mode 0600 and a certificate with 0644', () => {
    storePem(join(dir, 'ca.key'), ca.keyPem, { private: true });
    storePem(join(dir, 'ca.crt'), ca.certPem, { private: false });
    expect(modeOf(join(dir, 'ca.key'))).toBe(0o600);
    expect(modeOf(join(dir, 'ca.crt'))).toBe(0o644);
    expect(readFileSync(join(dir, 'ca.key'), 'utf8')).toBe(ca.keyPem);
  });

  it('never leaves a key readable by others, even when asked or when the file was', () => {
    const path = join(dir, 'loose.key');
    writeFileSync(path, 'old');
    chmodSync(path, 0o644);
    storePem(path, ca.keyPem, { private: false });
    expect(modeOf(path)).toBe(0o600);
  });

  it('creates missing folders (private ones 0700)', () => {
    const path = join(dir, 'site', 'keys', 'site.key');
    storePem(path, ca.keyPem, { private: true });
    expect(modeOf(join(dir, 'site', 'keys'))).toBe(0o700);
    expect(modeOf(path)).toBe(0o600);
  });

  it('refuses text that is not PEM, naming the target file', () => {
    const path = join(dir, 'x.key');
    expect(() => storePem(path, 'not a key', { private: true })).toThrow(
      `The text to store in ${path} is not a usable private key: no PEM block FedRad knows was found.`,
    );
  });
});

describe('loadPem', () => {
  it('reads back what was stored', () => {
    expect(loadPem(join(dir, 'ca.crt'), 'certificate')).toBe(ca.certPem);
    expect(loadPem(join(dir, 'ca.key'), 'private key')).toBe(ca.keyPem);
  });

  it('names the file and what was expected when it holds something else', () => {
    const path = join(dir, 'ca.crt');
    expect(() => loadPem(path, 'private key')).toThrow(MalformedPemError);
    expect(() => loadPem(path, 'private key')).toThrow(
      `File ${path} is not a usable private key: it holds a "CERTIFICATE" block. Expected a PEM block starting with "-----BEGIN PRIVATE KEY-----".`,
    );
  });

  it('reports a damaged file as not valid DER', () => {
    const path = join(dir, 'damaged.crt');
    const lines = ca.certPem.trim().split('\n');
    lines.splice(5, 1); // one base64 line lost, as in a bad copy-paste
    writeFileSync(path, lines.join('\n'));
    expect(() => loadPem(path, 'certificate')).toThrow(`File ${path} is not a usable certificate: its body is not valid DER`);
  });

  it('says plainly when the file is missing', () => {
    const path = join(dir, 'missing.crt');
    expect(() => loadPem(path, 'certificate')).toThrow(PemFileError);
    expect(() => loadPem(path, 'certificate')).toThrow(`Cannot read PEM file ${path}: the file or its folder does not exist.`);
  });
});
