import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validate } from '@fedrad/protocol';
import * as rqs from '../src/commands/rqs.js';
import { runCommands } from './commandRunner.js';

const example = new URL('../../../protocols/examples/campaign-provenance/valid-full.json', import.meta.url).pathname;

describe('fedrad rqs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedrad-rqs-'));
  it('writes the RQS checklist and the METRICS score of a campaign provenance, each valid, with provenance', async () => {
    const out = join(dir, 'rqs.json');
    const metricsOut = join(dir, 'metrics.json');
    const printed = await runCommands([rqs], ['rqs', '--provenance', example, '--out', out, '--metrics-out', metricsOut]);
    // The full example campaign earns every RQS point (Lambin 2017: 36) and every applicable METRICS item.
    expect(printed).toBe(`RQS 36 / 36 (23 derived, 13 declared), 100.0 % -> ${out}\nMETRICS 100.0 % (Excellent) -> ${metricsOut}\n`);
    expect(validate('rqs-checklist', JSON.parse(readFileSync(out, 'utf8')))).toEqual({ valid: true });
    expect(validate('metrics-score', JSON.parse(readFileSync(metricsOut, 'utf8')))).toEqual({ valid: true });
    expect(JSON.parse(readFileSync(`${out}.provenance.json`, 'utf8')).inputs[0].role).toBe('campaign provenance');
  });
  it('refuses an attestation that would overrule a derived item, and writes nothing', () => {
    const p = JSON.parse(readFileSync(example, 'utf8'));
    p.attestations.push({ claim: 'rqs-9', value: true, by: 'someone', at: '2026-12-01T10:00:00Z', in: 'operator' });
    const path = join(dir, 'inflated.json');
    writeFileSync(path, JSON.stringify(p));
    const out = join(dir, 'inflated-rqs.json');
    expect(() => rqs.runRqs({ provenance: path, out })).toThrow(/attestation "rqs-9": this claim is derived/);
    expect(existsSync(out)).toBe(false);
  });
});
