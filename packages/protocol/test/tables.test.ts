import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  LabelValueError, MissingValueError, ScoreValueError, SurvivalValueError, TableError, TableFormatError,
  formatCsvRow, readCovariateTable, readCsv, readFeatureTable, readOutcomeTable, readPredictionTable, readSiteTable,
} from '../src/index.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

function errorOf(fn: () => unknown): TableError | undefined {
  try {
    fn();
  } catch (e) {
    return e as TableError;
  }
  return undefined;
}

describe('readCsv', () => {
  // Records parsed by Python's csv module (scripts/fixtures/protocol/csv-reference.py).
  const reference = JSON.parse(readFileSync(join(fixtures, 'csv-reference.json'), 'utf8')) as {
    cases: { name: string; text: string; records: { row: number; cells: string[] }[] }[];
    writes: { cells: string[]; line: string }[];
  };
  it.each(reference.cases.map((c) => [c.name, c] as const))('%s: the records and start lines Python csv reads', (_, c) => {
    expect(readCsv(c.text, c.name)).toEqual(c.records);
  });

  it.each(reference.writes.map((w) => [w.line, w] as const))('formatCsvRow writes %j as Python csv.writer does', (_, w) => {
    expect(formatCsvRow(w.cells)).toBe(w.line);
  });

  it('refuses quotes RFC 4180 section 2 items 5 and 7 do not allow, naming the line', () => {
    for (const [text, row] of [['id,a\nP1,ab"c\n', 2], ['id,a\nP1,"ab"c\n', 2], ['id,a\nP1,"never closed\nP2,1\n', 3]] as const) {
      const e = errorOf(() => readCsv(text, 'f.csv'));
      expect(e).toBeInstanceOf(TableFormatError);
      expect(e).toMatchObject({ code: 'TABLE_FORMAT', source: 'f.csv', row });
      expect(e!.message).toMatch(new RegExp(`^f\\.csv line ${row}: not valid CSV`));
    }
  });
});

describe('readFeatureTable', () => {
  it('reads the formats fedrad extract writes, joined on id in any row order', () => {
    const f = readFeatureTable('id,"x,1",y\r\nA,1.5,-2e-3\r\nB,0,7\r\n');
    expect(f.featureNames).toEqual(['x,1', 'y']);
    expect(Array.from(f.values)).toEqual([1.5, -0.002, 0, 7]);
  });

  it('refuses a missing value and names the case, the row and the column', () => {
    const err = errorOf(() => readFeatureTable('id,a,b\np1,1,2\np2,NA,1\n', 'cohort.csv')) as MissingValueError;
    expect(err).toBeInstanceOf(MissingValueError);
    expect(err.code).toBe('TABLE_MISSING_VALUE');
    expect(err.message).toContain('cohort.csv');
    expect(err.message).toContain('"p2"');
    expect(err.message).toContain('row 3');
    expect(err.message).toContain('"a"');
    expect(err).toMatchObject({ source: 'cohort.csv', row: 3, column: 'a', caseId: 'p2', value: 'NA' });
  });

  it('counts a record by the line it starts on, after blank lines and quoted line breaks', () => {
    // id "p\n2" spans lines 4-5; p3 is on line 6 (count the lines of the literal).
    const err = errorOf(() => readFeatureTable('id,a\n\np1,1\n"p\n2",2\np3,\n', 'c.csv'));
    expect(err).toMatchObject({ code: 'TABLE_MISSING_VALUE', row: 6, caseId: 'p3', column: 'a' });
  });

  it('refuses malformed tables: no id column, duplicate ids, ragged rows, non-numeric cells, empty tables', () => {
    expect(() => readFeatureTable('case,a\n1,2\n')).toThrow(TableFormatError);
    expect(() => readFeatureTable('id,a\np1,1\np1,2\n')).toThrow(/appears twice/);
    expect(() => readFeatureTable('id,a\np1,1,3\n')).toThrow(/3 cells, the header has 2/);
    expect(() => readFeatureTable('id,a\np1,high\n')).toThrow(/not a number/);
    expect(() => readFeatureTable('id,a\np1,Infinity\n')).toThrow(/not a number/);
    expect(errorOf(() => readFeatureTable('id,a,a\np1,1,2\n', 'f.csv'))).toMatchObject({ code: 'TABLE_FORMAT', column: 'a', message: 'f.csv: column "a" appears twice in the header' });
    expect(errorOf(() => readFeatureTable('id,a\n', 'f.csv'))).toMatchObject({ code: 'TABLE_FORMAT', message: 'f.csv: no data rows after the header' });
    expect(errorOf(() => readFeatureTable('', 'f.csv'))?.message).toMatch(/^f\.csv: the file is empty/);
    expect(errorOf(() => readFeatureTable('id,a\n,1\n', 'f.csv'))).toMatchObject({ row: 2, column: 'id' });
  });
});

describe('readOutcomeTable', () => {
  it('reads binary and survival outcomes, with an optional stratum', () => {
    const o = readOutcomeTable('id,time,event,stratum\nB,10,1,s1\nA,3.5,0,s2\n');
    expect(o.kind === 'survival' && [o.ids, Array.from(o.time), Array.from(o.event), o.stratum]).toEqual([['B', 'A'], [10, 3.5], [1, 0], ['s1', 's2']]);
  });

  it('reads by the rules every command applies: any column order and letter case, status = event, 1.0 = 1', () => {
    const o = readOutcomeTable('Label,ID\n1.0,B\n0,A\n');
    expect(o.kind === 'binary' && [o.ids, Array.from(o.label)]).toEqual([['B', 'A'], [1, 0]]);
    const s = readOutcomeTable('id,Time,status\nA,3,1\nB,4,0\n');
    expect(s.kind === 'survival' && Array.from(s.event)).toEqual([1, 0]);
    const spaced = readOutcomeTable('id,label\na,1.0\nb,0.0\nc, 1 \n');
    expect(spaced.kind === 'binary' && Array.from(spaced.label)).toEqual([1, 0, 1]);
    // label beside time and event: a survival table
    expect(readOutcomeTable('id,label,time,event\nA,1,3,1\n').kind).toBe('survival');
    expect(() => readOutcomeTable('case,label\n1,0\n', 'o.csv')).toThrow('o.csv: no "id" column in the header "case,label"');
    expect(() => readOutcomeTable('id,status\np1,2\n')).toThrow(/id,label or id,time,event/);
    expect(errorOf(() => readOutcomeTable('id,event,status,time\np1,1,1,3\n', 'o.csv'))?.message).toBe('o.csv: columns "event" and "status" both name the event column; keep one');
  });

  it('names the patient, the line and the problem', () => {
    expect(errorOf(() => readOutcomeTable('id,label\np1,2\n', 'O.csv'))).toBeInstanceOf(LabelValueError);
    expect(errorOf(() => readOutcomeTable('id,label\na,2\n', 'O.csv'))).toMatchObject({ code: 'TABLE_INVALID_LABEL', message: 'O.csv line 2: label of patient "a" is 2; expected 0 or 1' });
    expect(errorOf(() => readOutcomeTable('id,label\na,\n', 'O.csv'))?.message).toBe('O.csv line 2: label of patient "a" is (empty); expected 0 or 1');
    expect(errorOf(() => readOutcomeTable('id,time,event\na,,1\n', 'O.csv'))).toMatchObject({
      code: 'TABLE_SURVIVAL_FIELD',
      message: 'O.csv line 2: patient "a" has no time; expected a follow-up time ≥ 0 since baseline',
    });
    expect(errorOf(() => readOutcomeTable('id,time,event\na,1,0\nb,-4,1\n', 'O.csv'))).toMatchObject({
      code: 'TABLE_SURVIVAL_FIELD',
      message: 'O.csv line 3: patient "b" has time "-4"; expected a follow-up time ≥ 0 since baseline',
      caseId: 'b',
      row: 3,
    });
    expect(errorOf(() => readOutcomeTable('id,time,event\na,3,\n', 'O.csv'))).toMatchObject({
      code: 'TABLE_SURVIVAL_FIELD',
      message: 'O.csv line 2: patient "a" has no event; expected event 0 (censored) or 1 (event)',
    });
    expect(errorOf(() => readOutcomeTable('id,time,event\na,3,NA\n', 'O.csv'))).toBeInstanceOf(SurvivalValueError);
    expect(errorOf(() => readOutcomeTable('id,time,event\na,3,2\n', 'O.csv'))?.message).toBe(
      'O.csv line 2: patient "a" has event "2"; expected event 0 (censored) or 1 (event)',
    );
  });
});

describe('readPredictionTable', () => {
  it('reads id,score whatever the column order, ids with quoted commas', () => {
    const p = readPredictionTable('id,score\nb,0.2\na,0.9\n"c,1",0.5\n', 'P.csv');
    expect([p.source, p.ids, Array.from(p.scores)]).toEqual(['P.csv', ['b', 'a', 'c,1'], [0.2, 0.9, 0.5]]);
    const b = readPredictionTable('Risk,ID\n0.3,a\n0.1,b\n', 'B.csv');
    expect([b.ids, Array.from(b.scores)]).toEqual([['a', 'b'], [0.3, 0.1]]);
  });

  it('names the patient and the problem', () => {
    expect(errorOf(() => readPredictionTable('id,score\na,0.5\nb,NaN\n', 'P.csv'))).toMatchObject({
      code: 'TABLE_NON_FINITE_SCORE',
      message: 'score in P.csv (line 3) of patient "b" is NaN; expected a finite number',
    });
    expect(errorOf(() => readPredictionTable('id,score\na,\n'))).toBeInstanceOf(ScoreValueError);
    expect(errorOf(() => readPredictionTable('id,score\na,\n'))?.code).toBe('TABLE_NON_FINITE_SCORE');
    expect(errorOf(() => readPredictionTable('id,score\na,1\na,2\n'))?.code).toBe('TABLE_FORMAT');
    expect(errorOf(() => readPredictionTable('patient,value\na,1\n'))?.code).toBe('TABLE_FORMAT');
    expect(errorOf(() => readPredictionTable('id,value\na,1\n', 'P.csv'))?.message).toBe('P.csv: no "score" column in the header "id,value"; expected columns id,score');
  });
});

describe('readSiteTable', () => {
  it('reads id,site whatever the column order and letter case, quoted cells as RFC 4180 has them', () => {
    const t = readSiteTable('id,site\r\nb,site-2\r\n"a,1","site ""one"""\r\n', 'S.csv');
    expect([t.source, t.ids, t.sites]).toEqual(['S.csv', ['b', 'a,1'], ['site-2', 'site "one"']]);
    expect(readSiteTable('Site,ID,note\nx,a,\n').sites).toEqual(['x']);
  });

  it('names the line and the case of a row without a site, and refuses a table without the columns', () => {
    expect(errorOf(() => readSiteTable('id,site\na,x\nb,\n', 'S.csv'))).toMatchObject({ code: 'TABLE_FORMAT', row: 3, caseId: 'b', message: 'S.csv line 3: case "b" has no site; every case belongs to one site' });
    expect(errorOf(() => readSiteTable('id,centre\na,x\n', 'S.csv'))?.message).toBe('S.csv: no "site" column in the header "id,centre"; expected columns id,site');
    expect(errorOf(() => readSiteTable('id,site\na,x\na,y\n'))?.code).toBe('TABLE_FORMAT');
  });
});

describe('readCovariateTable', () => {
  const text = 'id,age,size_cm,grade\nP1,54,7.5,2\nP2,NA,12,3\nP3,61,,1\n';

  it('reads every covariate, a missing cell (NA, empty) as NaN', () => {
    const t = readCovariateTable(text, 'clinical.csv');
    expect(t.ids).toEqual(['P1', 'P2', 'P3']);
    expect(t.covariateNames).toEqual(['age', 'size_cm', 'grade']);
    expect(Array.from(t.values)).toEqual([54, 7.5, 2, NaN, 12, 3, 61, NaN, 1]);
  });

  it('keeps the declared columns only, in the declared order', () => {
    const t = readCovariateTable(text, 'clinical.csv', ['grade', 'age']);
    expect(t.covariateNames).toEqual(['grade', 'age']);
    expect(Array.from(t.values)).toEqual([2, 54, 3, NaN, 1, 61]);
  });

  it('refuses a declared column the file lacks, naming the file and the column', () => {
    const e = errorOf(() => readCovariateTable(text, 'clinical.csv', ['age', 'depth']));
    expect(e).toBeInstanceOf(TableFormatError);
    expect(e).toMatchObject({ source: 'clinical.csv', column: 'depth' });
    expect(e!.message).toMatch(/clinical\.csv: no column "depth" \(it has: age, size_cm, grade\)/);
  });

  it('refuses text in a covariate cell, naming the line, the case and the column', () => {
    const e = errorOf(() => readCovariateTable('id,age,depth\nP1,54,deep\n', 'clinical.csv'));
    expect(e).toMatchObject({ code: 'TABLE_FORMAT', source: 'clinical.csv', row: 2, column: 'depth', caseId: 'P1', value: 'deep' });
    expect(e!.message).toMatch(/line 2: case "P1", column "depth": "deep" is not a number/);
  });

  it('refuses a case listed twice and a first column other than id', () => {
    expect(errorOf(() => readCovariateTable('id,age\nP1,1\nP1,2\n', 'c.csv'))!.message).toMatch(/case id "P1" appears twice/);
    expect(errorOf(() => readCovariateTable('patient,age\nP1,1\n', 'c.csv'))!.message).toMatch(/first column must be "id"/);
  });
});
