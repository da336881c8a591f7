import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TableFormatError } from '@fedrad/protocol';
import { coverageLine, loadClinical, offeredCovariates } from '../src/clinicalTable.js';
import { CohortRegistry } from '../src/cohortRegistry.js';
import { CohortError, SiteConfigError } from '../src/errors.js';
import { loadSiteConfig } from '../src/siteConfig.js';

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'site-clinical-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const base = ['siteId: site-a', 'coordinatorUrl: https://127.0.0.1:9443', 'dataRoot: .'];

function errorOf(fn: () => unknown): Error & { context?: { field?: string } } {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('a cohort\'s clinical table in site.yaml', () => {
  it('reads { table, columns } and a bare path, resolved against the data root', () => {
    withDir((dir) => {
      writeFileSync(join(dir, 'site.yaml'), [...base, 'cohorts:', '  - { name: a, features: f.csv, outcome: o.csv, clinical: { table: c.csv, columns: [age, size] } }', '  - { name: b, features: g.csv, outcome: p.csv, clinical: d.csv }'].join('\n'));
      const config = loadSiteConfig(join(dir, 'site.yaml'));
      expect(config.cohorts[0].clinical).toEqual({ table: join(dir, 'c.csv'), columns: ['age', 'size'] });
      expect(config.cohorts[1].clinical).toEqual({ table: join(dir, 'd.csv') });
    });
  });

  it('refuses an unknown key, a missing table, an empty or repeated column list, naming the field', () => {
    withDir((dir) => {
      for (const [clinical, field, message] of [
        ['{ table: c.csv, cols: [age] }', 'cohorts/0/clinical/cols', /unknown key "cols"/],
        ['{ columns: [age] }', 'cohorts/0/clinical/table', /clinical needs "table"/],
        ['{ table: c.csv, columns: [] }', 'cohorts/0/clinical/columns', /non-empty list/],
        ['{ table: c.csv, columns: [age, age] }', 'cohorts/0/clinical/columns', /"age" is listed twice/],
        ['[c.csv]', 'cohorts/0/clinical', /a table path or \{ table, columns \}/],
      ] as const) {
        writeFileSync(join(dir, 'site.yaml'), [...base, 'cohorts:', `  - { name: a, features: f.csv, outcome: o.csv, clinical: ${clinical} }`].join('\n'));
        const e = errorOf(() => loadSiteConfig(join(dir, 'site.yaml')));
        expect(e).toBeInstanceOf(SiteConfigError);
        expect(e.context?.field).toBe(field);
        expect(e.message).toMatch(message);
      }
    });
  });
});

describe('loadClinical', () => {
  const ids = ['P1', 'P2', 'P3', 'P4'];
  const entry = (dir: string, columns?: string[]) => ({ name: 'train', features: join(dir, 'f.csv'), outcome: join(dir, 'o.csv'), clinical: { table: join(dir, 'c.csv'), ...(columns ? { columns } : {}) } });

  it('aligns the covariates to the cohort\'s patients and counts who lacks what (nobody dropped)', () => {
    withDir((dir) => {
      // P4 has no row; P2 has no age; P3 no size; an extra patient P9 outside the cohort is not used.
      writeFileSync(join(dir, 'c.csv'), 'id,size,age,depth\nP3,,70,1\nP1,5,50,0\nP2,8,NA,1\nP9,1,1,1\n');
      const rows = loadClinical(entry(dir, ['age', 'size']), ids);
      expect(rows.covariates).toEqual(['age', 'size']);
      expect(Array.from(rows.values)).toEqual([50, 5, NaN, 8, 70, NaN, NaN, NaN]);
      expect(rows.complete).toEqual([true, false, false, false]);
      expect(rows.coverage).toEqual({ patients: 4, complete: 1, noRow: 1, missing: [{ covariate: 'age', patients: 2 }, { covariate: 'size', patients: 2 }] });
      expect(coverageLine('train', rows.coverage)).toBe('cohort "train": clinical covariates complete for 1 of 4 patients; 1 without a row in the clinical table; missing: age 2, size 2');
      // A job asks for a subset of what is offered.
      expect(loadClinical(entry(dir, ['age', 'size']), ids, ['size']).coverage.complete).toBe(2);
      // Without a columns list the site offers every column of the table.
      expect(offeredCovariates(entry(dir))).toEqual(['size', 'age', 'depth']);
    });
  });

  it('refuses a covariate the site does not offer, a cohort without a table, and a bad cell naming file, line, patient and column', () => {
    withDir((dir) => {
      writeFileSync(join(dir, 'c.csv'), 'id,age,size,hiv\nP1,50,5,0\nP2,61,big,1\n');
      const offered = errorOf(() => loadClinical(entry(dir, ['age', 'size']), ids, ['age', 'hiv']));
      expect(offered).toBeInstanceOf(CohortError);
      expect(offered.message).toMatch(/covariate "hiv" is not among the clinical columns this site offers \(age, size\)/);
      const none = errorOf(() => loadClinical({ name: 'x', features: 'f.csv', outcome: 'o.csv' }, ids, ['age']));
      expect(none.message).toMatch(/Cohort "x" has no clinical table in site.yaml/);
      const cell = errorOf(() => loadClinical(entry(dir, ['age', 'size']), ids));
      expect(cell).toBeInstanceOf(TableFormatError);
      expect(cell).toMatchObject({ source: join(dir, 'c.csv'), row: 3, caseId: 'P2', column: 'size', value: 'big' });
      const absent = errorOf(() => loadClinical(entry(dir, ['age', 'weight']), ids));
      expect(absent.message).toMatch(/no column "weight"/);
      rmSync(join(dir, 'c.csv'));
      expect(errorOf(() => loadClinical(entry(dir), ids)).message).toMatch(/cannot read its clinical table .*c\.csv \(ENOENT\)/);
    });
  });

  it('is read when the daemon starts: the operator is told the coverage, or why the table cannot be used', () => {
    withDir((dir) => {
      writeFileSync(join(dir, 'f.csv'), 'id,f1\nP1,1\nP2,2\nP3,3\n');
      writeFileSync(join(dir, 'o.csv'), 'id,label\nP1,0\nP2,1\nP3,0\n');
      writeFileSync(join(dir, 'c.csv'), 'id,age\nP1,50\nP2,\n');
      const lines: string[] = [];
      CohortRegistry.load([entry(dir)], (l) => lines.push(l));
      expect(lines).toEqual(['cohort "train": clinical covariates complete for 1 of 3 patients; 1 without a row in the clinical table; missing: age 2']);
      writeFileSync(join(dir, 'c.csv'), 'id,age\nP1,old\n');
      lines.length = 0;
      const registry = CohortRegistry.load([entry(dir)], (l) => lines.push(l));
      expect(lines[0]).toMatch(/^cohort "train": its clinical table cannot be used: .*line 2: case "P1", column "age": "old" is not a number/);
      expect(registry.get('train').problem).toBeUndefined();
    });
  });
});
