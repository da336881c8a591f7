import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validate } from '@fedrad/protocol';
import * as verifyIbsi from '../src/commands/verifyIbsi.js';
import { runCommands } from './commandRunner.js';

// `fedrad verify-ibsi` on the IBSI data of ../shared/ibsi (never copied into the repo): the record it
// writes is the one a site declares. Reference: the 482 digital-phantom reference values of the
// IBSI 1 table (packages/extraction's test counts them from the table and fails one on purpose).
const dir = mkdtempSync(join(tmpdir(), 'fedrad-verify-ibsi-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fedrad verify-ibsi', () => {
  it('writes a passing record naming the version and engine that ran, and says so', async () => {
    const out = join(dir, 'ibsi.json');
    const printed = await runCommands([verifyIbsi], ['verify-ibsi', '--ibsi', new URL('../../../../shared/ibsi', import.meta.url).pathname, '--out', out]);
    const record = JSON.parse(readFileSync(out, 'utf8'));
    expect(validate('ibsi-verification', record).valid).toBe(true);
    expect(record).toMatchObject({ passed: true, featuresChecked: 482, featuresMatched: 482, softwareVersion: JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version });
    expect(printed).toContain(`passed: 482 of 482 IBSI reference values of the digital phantom matched by fedrad ${record.softwareVersion} (engine ${record.engineSha256})`);
  });
});
