import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COHORT_V8_FLAGS, rerunWithCohortFlags } from '../src/cohortFlags.js';

// The child must really run with the flags: a stand-in script records its own process.execArgv
// (Node's account of the options it was started with) and exits with a code of its own.
describe('cohort extraction re-runs itself with single-threaded GC', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedrad-cohort-flags-'));
  const script = join(dir, 'stand-in.mjs');
  const seen = join(dir, 'exec-argv.json');
  writeFileSync(script, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(seen)}, JSON.stringify({ execArgv: process.execArgv, argv: process.argv.slice(2) }));\nprocess.exit(3);\n`);

  it('runs `extract --manifest` again with the V8 flags and passes on its exit code and arguments', async () => {
    const code = await rerunWithCohortFlags(['node', script, 'extract', '--manifest', 'cohort.csv', '--workers', '2']);
    expect(code).toBe(3);
    const child = JSON.parse(readFileSync(seen, 'utf8')) as { execArgv: string[]; argv: string[] };
    for (const flag of COHORT_V8_FLAGS) expect(child.execArgv).toContain(flag);
    expect(child.argv).toEqual(['extract', '--manifest', 'cohort.csv', '--workers', '2']);
  });

  it('leaves single-case extraction and other commands in this process', async () => {
    await expect(rerunWithCohortFlags(['node', script, 'extract', '--image', 'i.nii', '--mask', 'm.nii'])).resolves.toBeUndefined();
    await expect(rerunWithCohortFlags(['node', script, 'train', '--manifest', 'x'])).resolves.toBeUndefined();
  });
});
