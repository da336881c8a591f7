import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './processes.js';

// Issue #19.3: on a fresh machine without Debian's python3-onnx, `npm test` used to fail deep in
// the learn package. `npm run setup` now checks the prerequisites first and, where it may not
// install them itself, stops before building with the one line that does.
const dir = mkdtempSync(join(tmpdir(), 'fedrad-prereq-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const script = join(repoRoot, 'scripts/prerequisites.mjs');

describe('setup prerequisites', () => {
  it('names every missing program and prints the single apt-get line, installing nothing in --check mode', () => {
    // A PATH holding only node: no compiler, make, python3 or openssl; and no system python with onnx or nibabel.
    const bin = join(dir, 'bin');
    spawnSync('mkdir', ['-p', bin]);
    symlinkSync(process.execPath, join(bin, 'node'));
    const out = spawnSync(join(bin, 'node'), [script, '--check'], {
      encoding: 'utf8',
      env: { PATH: bin, FEDRAD_SYSTEM_PYTHON: join(dir, 'no-python3') },
    });
    expect(out.status).toBe(1);
    for (const name of ['g++', 'make', 'python3', 'python3-onnx', 'openssl', 'python3-nibabel']) expect(out.stderr).toContain(`  - ${name}: `);
    expect(out.stderr).toContain('sudo apt-get update && sudo apt-get install -y --no-install-recommends g++ make python3 python3-onnx openssl python3-nibabel');
    expect(out.stderr).toContain('nothing has been installed or built');
  });

  it('passes on a machine where setup has run (this one: CI ran it before the tests)', () => {
    const out = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
  });
});
