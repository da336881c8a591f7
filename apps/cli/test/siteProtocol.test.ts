import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify as toYaml } from 'yaml';
import * as siteCommand from '../src/commands/site.js';
import { runCommands } from './commandRunner.js';

// Issue #19.8: a site operator reads and hashes a protocol before approving it, instead of
// approving a hash blind.
const here = dirname(fileURLToPath(import.meta.url));
const example = join(here, '../../../protocols/examples/campaign-protocol/valid-1.json');
const dir = mkdtempSync(join(tmpdir(), 'fedrad-site-protocol-'));

const fedrad = (...args: string[]) => runCommands([siteCommand], args);

/** SHA-256 of the RFC 8785 canonical form, computed by Python (sorted keys, no spaces; the example has no floats JCS writes differently). */
function pythonHash(file: string): string {
  const code = 'import hashlib,json,sys; d=json.load(open(sys.argv[1])); print(hashlib.sha256(json.dumps(d,sort_keys=True,separators=(",",":"),ensure_ascii=False).encode()).hexdigest())';
  return execFileSync('/usr/bin/python3', ['-c', code, file], { encoding: 'utf8' }).trim();
}

describe('fedrad site protocol', () => {
  it('hash prints the SHA-256 of the canonical JSON, the same for the JSON and the YAML form', async () => {
    const expected = pythonHash(example);
    expect((await fedrad('site', 'protocol', 'hash', example)).trim()).toBe(expected);
    const yamlFile = join(dir, 'protocol.yaml');
    writeFileSync(yamlFile, toYaml(JSON.parse(readFileSync(example, 'utf8'))));
    expect((await fedrad('site', 'protocol', 'hash', yamlFile)).trim()).toBe(expected);
  });

  it('show prints every top-level field, the hash, and the approve command', async () => {
    const out = await fedrad('site', 'protocol', 'show', example);
    const doc = JSON.parse(readFileSync(example, 'utf8')) as Record<string, unknown>;
    expect(out).toContain(`hash       ${pythonHash(example)}`);
    expect(out).toContain('sts-grade-2026 (version 1)');
    expect(out).toContain('training   sites site-a, site-b, site-c');
    expect(out).toContain('test       sites site-d');
    expect(out).toContain('"harmonization":"none"');
    expect(out).toContain('"alpha":0.5');
    expect(out).toContain(`fedrad site approve ${pythonHash(example)}`);
    // Nothing of the document is left out: every value it holds appears in the summary.
    for (const [key, value] of Object.entries(doc)) {
      if (key === 'type') continue; // the constant "campaign-protocol", fixed by the schema
      const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
      expect(out.replace(/, /g, ',').replace(/"/g, '')).toContain(text.replace(/"/g, '').replace(/[[\]]/g, ''));
    }
  });

  it('refuses an invalid protocol naming the field, and unparsable text naming the file', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...JSON.parse(readFileSync(example, 'utf8')), minCohortSize: 0 }));
    await expect(fedrad('site', 'protocol', 'hash', bad)).rejects.toThrow(/minCohortSize/);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ "type": ');
    await expect(fedrad('site', 'protocol', 'show', broken)).rejects.toThrow(/protocol file .*broken\.json is not valid JSON/);
  });
});
