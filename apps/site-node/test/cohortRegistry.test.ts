import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CohortRegistry } from '../src/cohortRegistry.js';
import { generateCohorts, readCsv } from './helpers.js';

let dir: string;
let site: { featuresCsv: string; outcomeCsv: string };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'registry-'));
  site = generateCohorts(dir, 'site-a=30', 3).sites[0];
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cohort registry', () => {
  it('knows every patient id of each cohort, as listed in its tables', () => {
    const registry = CohortRegistry.load([{ name: 'local', features: site.featuresCsv, outcome: site.outcomeCsv }]);
    expect(registry.patientCounts()).toEqual([30]);
    expect([...registry.patientIds()]).toEqual(readCsv(site.outcomeCsv).rows.map((r) => r[0]));
    expect(() => registry.get('other')).toThrow(/no cohort named "other"/);
  });

  it('reads a cohort\'s ids again when its tables change on disk, and only then', () => {
    const features = join(dir, 'growing-features.csv');
    const outcome = join(dir, 'growing-outcome.csv');
    copyFileSync(site.featuresCsv, features);
    copyFileSync(site.outcomeCsv, outcome);
    const warnings: string[] = [];
    const registry = CohortRegistry.load([{ name: 'local', features, outcome }], (l) => warnings.push(l));
    const before = registry.get();
    expect(registry.refresh('local')).toBe(before); // unchanged tables: nothing re-read
    // The data manager replaces the tables with a 36-patient export while the daemon runs.
    const bigger = generateCohorts(join(dir, 'bigger'), 'site-a=36', 3, 99).sites[0];
    copyFileSync(bigger.featuresCsv, features);
    copyFileSync(bigger.outcomeCsv, outcome);
    const after = registry.refresh('local');
    expect(after.patientIds).toEqual(readCsv(bigger.outcomeCsv).rows.map((r) => r[0]));
    expect(registry.patientCounts()).toEqual([36]);
    expect([...registry.patientIds()].sort()).toEqual(readCsv(bigger.outcomeCsv).rows.map((r) => r[0]).sort());
    expect(warnings).toEqual([expect.stringContaining('36 patients now (were 30)')]);
  });

  it('keeps a cohort with a broken table, with its problem and ids, instead of refusing to start', () => {
    const lines = readFileSync(site.featuresCsv, 'utf8').split('\n');
    lines[4] = lines[4].replace(/,[^,]*$/, ',');
    const broken = join(dir, 'broken.csv');
    writeFileSync(broken, lines.join('\n'));
    const warnings: string[] = [];
    const registry = CohortRegistry.load([{ name: 'local', features: broken, outcome: site.outcomeCsv }], (l) => warnings.push(l));
    const cohort = registry.get();
    expect(cohort.problem?.code).toBe('TABLE_MISSING_VALUE');
    expect(cohort.patientIds).toHaveLength(30);
    expect(warnings[0]).toMatch(/site-a-0004/);
  });

  it('knows a quoted id holding a comma in a broken table as one id', () => {
    const lines = readFileSync(site.featuresCsv, 'utf8').split('\n');
    const nFeatures = lines[0].split(',').length - 1;
    lines[1] = ['"Smith, J"', ...Array(nFeatures).fill('')].join(',');
    const broken = join(dir, 'broken-quoted.csv');
    writeFileSync(broken, lines.join('\n'));
    const cohort = CohortRegistry.load([{ name: 'local', features: broken, outcome: site.outcomeCsv }], () => undefined).get();
    expect(cohort.problem).toBeDefined();
    expect(cohort.patientIds).toContain('Smith, J');
    expect(cohort.patientIds).not.toContain('"Smith');
  });
});
