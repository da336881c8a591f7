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
});
