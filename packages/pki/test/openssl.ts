// The OpenSSL command-line tool (Debian's openssl package) as an independent reader of what
// node-forge wrote: it parses, prints and verifies certificates, requests and CRLs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OpensslResult {
  status: number | null;
  output: string;
}

/** Runs `openssl args…` with each named PEM written to a temp file; `{name}` in args becomes its path. */
export function openssl(args: string[], files: Record<string, string> = {}): OpensslResult {
  const dir = mkdtempSync(join(tmpdir(), 'fedrad-openssl-'));
  try {
    for (const [name, pem] of Object.entries(files)) writeFileSync(join(dir, `${name}.pem`), pem);
    const resolved = args.map((a) => a.replace(/\{(\w+)\}/g, (_, name: string) => join(dir, `${name}.pem`)));
    const run = spawnSync('openssl', resolved, { encoding: 'utf8' });
    if (run.error) {
      throw new Error(`These tests need the openssl command-line tool (Debian package "openssl"): ${run.error.message}`);
    }
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
