import { describe, expect, it } from '@jest/globals';
import { joinTables, parseOutcomeCsv, parsePredictionsCsv } from '../src/index.js';

function errorOf(fn: () => unknown): { code?: string; message: string } | undefined {
  try {
    fn();
  } catch (e) {
    return e as { code?: string; message: string };
  }
  return undefined;
}

// Reading the tables (formats, refusals with their codes) is tested in @fedrad/protocol's
// test/tables.test.ts, with the readers; here: stats' view of them and the join on id.
describe('evaluation tables', () => {
  it('joins predictions, baseline and outcome on id, in the outcome order, whatever the column order', () => {
    const p = parsePredictionsCsv('id,score\nb,0.2\na,0.9\n"c,1",0.5\n', 'P.csv');
    const b = parsePredictionsCsv('score,id\n0.3,a\n0.1,b\n0.4,"c,1"\n', 'B.csv');
    const o = parseOutcomeCsv('id,label\r\na,1\r\nb,0\r\n"c,1",1\r\n', 'O.csv');
    const j = joinTables(p, o, b);
    expect(j.ids).toEqual(['a', 'b', 'c,1']);
    expect(Array.from(j.scores)).toEqual([0.9, 0.2, 0.5]);
    expect(Array.from(j.baselineScores!)).toEqual([0.3, 0.1, 0.4]);
    expect(j.kind === 'binary' && Array.from(j.labels)).toEqual([1, 0, 1]);
  });
  it('reads labels and events as numbers, as fedrad train does ("1.0" is 1)', () => {
    const o = parseOutcomeCsv('id,label\na,1.0\nb,0.0\nc, 1 \n');
    expect(o.kind === 'binary' && Array.from(o.labels)).toEqual([1, 0, 1]);
    const s = parseOutcomeCsv('id,time,event\na,3,1.0\nb,4,0\n');
    expect(s.kind === 'survival' && Array.from(s.event)).toEqual([1, 0]);
  });
  it('reads survival outcomes', () => {
    const o = parseOutcomeCsv('id,time,event\na,12.5,1\nb,30,0\n');
    expect(o.kind).toBe('survival');
    if (o.kind === 'survival') {
      expect(Array.from(o.time)).toEqual([12.5, 30]);
      expect(Array.from(o.event)).toEqual([1, 0]);
    }
  });
  it('names the file and the patients when the tables cannot be joined', () => {
    const p = parsePredictionsCsv('id,score\na,0.1\nb,0.2\n', 'P.csv');
    expect(errorOf(() => joinTables(p, parseOutcomeCsv('id,label\na,1\nb,1\n', 'O.csv')))).toMatchObject({
      code: 'STATS_ONE_CLASS',
      message: expect.stringMatching(/^O\.csv: the outcome has 2 positive and 0 negative patients/),
    });
    const b = parsePredictionsCsv('id,score\na,0.1\nx,0.2\n', 'B.csv');
    const o = parseOutcomeCsv('id,label\na,0\nb,1\n', 'O.csv');
    try {
      joinTables(p, o, b);
      throw new Error('expected a mismatch');
    } catch (e) {
      const err = e as { code: string; message: string };
      expect(err.code).toBe('STATS_ID_MISMATCH');
      expect(err.message).toMatch(/P\.csv and B\.csv/);
      expect(err.message).toMatch(/"b"/);
      expect(err.message).toMatch(/"x"/);
    }
  });
});
