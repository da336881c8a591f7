import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSiteConfig } from '../src/siteConfig.js';
import { SiteConfigError } from '../src/errors.js';

describe('site.yaml', () => {
  it('resolves paths against dataRoot and reads a separate cohort manifest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'site-config-'));
    try {
      writeFileSync(join(dir, 'cohorts.yaml'), 'cohorts:\n  - { name: training, features: tables/f.csv, outcome: tables/o.csv }\n');
      writeFileSync(join(dir, 'site.yaml'), [
        'siteId: site-a',
        'campaignId: demo',
        'coordinatorUrl: https://127.0.0.1:9443',
        'dataRoot: .',
        'minCohortSize: 20',
        'cohortManifest: cohorts.yaml',
      ].join('\n'));
      const config = loadSiteConfig(join(dir, 'site.yaml'));
      expect(config.siteId).toBe('site-a');
      expect(config.minCohortSize).toBe(20);
      expect(config.database).toBe(join(dir, 'site.sqlite'));
      expect(config.tls.key).toBe(join(dir, 'keys/site.key.pem'));
      expect(config.cohorts).toEqual([{ name: 'training', features: join(dir, 'tables/f.csv'), outcome: join(dir, 'tables/o.csv') }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the file and the field when something is wrong', () => {
    const dir = mkdtempSync(join(tmpdir(), 'site-config-'));
    try {
      writeFileSync(join(dir, 'site.yaml'), 'siteId: Site_A\ncoordinatorUrl: https://x\ncohorts: []\n');
      expect(() => loadSiteConfig(join(dir, 'site.yaml'))).toThrow(SiteConfigError);
      expect(() => loadSiteConfig(join(dir, 'site.yaml'))).toThrow(/siteId "Site_A"/);
      expect(() => loadSiteConfig(join(dir, 'missing.yaml'))).toThrow(/missing\.yaml does not exist/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a key it does not know, at any level, naming it (a misspelt key is not ignored)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'site-config-'));
    const base = ['siteId: site-a', 'coordinatorUrl: https://127.0.0.1:9443'];
    const cohort = 'cohorts:\n  - { name: c, features: f.csv, outcome: o.csv }';
    try {
      for (const [lines, key] of [
        [[...base, 'minCohortsize: 20', cohort], 'minCohortsize'],
        [[...base, 'tls: { key: k.pem, cert: c.pem }', cohort], 'cert'],
        [[...base, 'reconnect: { initialMs: 10, maximumMs: 50 }', cohort], 'maximumMs'],
        [[...base, 'cohorts:\n  - { name: c, features: f.csv, outcome: o.csv, labels: l.csv }'], 'labels'],
      ] as const) {
        writeFileSync(join(dir, 'site.yaml'), lines.join('\n'));
        let error: unknown;
        try {
          loadSiteConfig(join(dir, 'site.yaml'));
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(SiteConfigError);
        expect((error as Error).message).toContain(`unknown key "${key}"`);
        expect((error as Error).message).toContain(join(dir, 'site.yaml'));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
