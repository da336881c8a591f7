import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './processes.js';

// scripts/generate-site-cohorts.mjs feeds the demo and every multi-process test: its tables
// must have the sizes asked for, and a typo in the arguments must stop it, not give an empty site.
const dir = mkdtempSync(join(tmpdir(), 'fedrad-cohorts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (...args: string[]) => spawnSync(process.execPath, [join(repoRoot, 'scripts/generate-site-cohorts.mjs'), ...args], { encoding: 'utf8' });

describe('generate-site-cohorts', () => {
  it('writes the asked number of patients per site, with the event counts its summary states', () => {
    const out = run('--out', join(dir, 'ok'), '--sizes', 'site-a=12,site-test=9', '--features', '3', '--seed', '4');
    expect(out.status).toBe(0);
    const summary = JSON.parse(out.stdout) as { sites: Array<{ siteId: string; role: string; featuresCsv: string; outcomeCsv: string; patients: number; events: number }> };
    expect(summary.sites.map((s) => [s.siteId, s.role, s.patients])).toEqual([['site-a', 'training', 12], ['site-test', 'test', 9]]);
    for (const s of summary.sites) {
      const features = readFileSync(s.featuresCsv, 'utf8').trim().split('\n');
      const outcome = readFileSync(s.outcomeCsv, 'utf8').trim().split('\n');
      expect(features[0]).toBe('id,feat_01,feat_02,feat_03');
      expect(features).toHaveLength(s.patients + 1);
      expect(outcome.slice(1).filter((l) => l.endsWith(',1')).length).toBe(s.events);
    }
  });

  it('refuses a size, seed or site id that is not one, naming the flag', () => {
    for (const [args, message] of [
      [['--sizes', 'site-a=abc'], '--sizes site-a must be a whole number ≥ 1, got "abc"'],
      [['--sizes', 'site-a=0'], '--sizes site-a must be a whole number ≥ 1, got "0"'],
      [['--seed', 'x'], '--seed must be a whole number ≥ 0, got "x"'],
      [['--sizes', 'Site_A=10'], '"Site_A" is not a site id'],
    ] as const) {
      const out = run('--out', join(dir, 'bad'), ...args);
      expect(out.status).toBe(2);
      expect(out.stderr).toContain(message);
    }
  });
});
