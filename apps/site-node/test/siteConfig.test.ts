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

  it('takes the IBSI verification record it declares (ibsiVerification), resolved like its other paths; a record that is not there is refused by name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'site-config-'));
    try {
      const yaml = (record: string) => ['siteId: site-a', 'coordinatorUrl: https://127.0.0.1:9443', 'cohorts:', '  - { name: training, features: f.csv, outcome: o.csv }', `ibsiVerification: ${record}`].join('\n');
      writeFileSync(join(dir, 'ibsi.json'), '{}');
      writeFileSync(join(dir, 'site.yaml'), yaml('ibsi.json'));
      expect(loadSiteConfig(join(dir, 'site.yaml')).ibsiVerification).toBe(join(dir, 'ibsi.json'));
      writeFileSync(join(dir, 'site.yaml'), yaml('gone.json'));
      expect(() => loadSiteConfig(join(dir, 'site.yaml'))).toThrow(expect.objectContaining({ code: 'SITE_CONFIG', message: expect.stringContaining('fedrad verify-ibsi --ibsi DIR --out gone.json') }) as unknown as Error);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('trusts the coordinator with coefficients it cannot verify only when trustCoordinatorCoefficients is true; off by default, anything but a boolean refused by name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'site-config-'));
    try {
      const yaml = (extra: string[]) => ['siteId: site-a', 'coordinatorUrl: https://127.0.0.1:9443', 'cohorts:', '  - { name: training, features: f.csv, outcome: o.csv }', ...extra].join('\n');
      writeFileSync(join(dir, 'site.yaml'), yaml([]));
      expect(loadSiteConfig(join(dir, 'site.yaml')).trustCoordinatorCoefficients).toBe(false);
      writeFileSync(join(dir, 'site.yaml'), yaml(['trustCoordinatorCoefficients: true']));
      expect(loadSiteConfig(join(dir, 'site.yaml')).trustCoordinatorCoefficients).toBe(true);
      // A quoted "false" is a string, which a truthiness test would read as set: refused, naming the key.
      writeFileSync(join(dir, 'site.yaml'), yaml(['trustCoordinatorCoefficients: "false"']));
      expect(() => loadSiteConfig(join(dir, 'site.yaml'))).toThrow(expect.objectContaining({ code: 'SITE_CONFIG', message: expect.stringContaining('"trustCoordinatorCoefficients" must be true or false') }) as unknown as Error);
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

  it('takes an image cohort (a manifest the campaign extracts) and puts its extracted tables under the data root', () => {
    const dir = mkdtempSync(join(tmpdir(), 'site-config-'));
    try {
      writeFileSync(join(dir, 'site.yaml'), ['siteId: site-a', 'coordinatorUrl: https://127.0.0.1:9443', 'dataRoot: data', 'cohorts:', '  - { name: scans, images: manifest.csv, outcome: outcome.csv }'].join('\n'));
      expect(loadSiteConfig(join(dir, 'site.yaml')).cohorts).toEqual([
        { name: 'scans', images: join(dir, 'data/manifest.csv'), features: join(dir, 'data/features/scans.csv'), outcome: join(dir, 'data/outcome.csv') },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a cohort with both features and images, with neither, or a name that cannot be a file name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'site-config-'));
    const base = ['siteId: site-a', 'coordinatorUrl: https://127.0.0.1:9443', 'cohorts:'];
    try {
      for (const [cohort, message] of [
        ['  - { name: c, features: f.csv, images: m.csv, outcome: o.csv }', 'needs exactly one of "features" (a feature table) or "images"'],
        ['  - { name: c, outcome: o.csv }', 'needs exactly one of "features"'],
        ['  - { name: ../c, images: m.csv, outcome: o.csv }', 'cohort name "../c" must be letters'],
      ] as const) {
        writeFileSync(join(dir, 'site.yaml'), [...base, cohort].join('\n'));
        expect(() => loadSiteConfig(join(dir, 'site.yaml'))).toThrow(message);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
