import { describe, expect, it } from '@jest/globals';
import {
  CaseMismatchError, ConstantFeatureError, DegenerateOutcomeError, FeatureMismatchError, MissingValueError, NonConvergenceError,
  SingularHessianError, TableFormatError, exportInferenceModel, fitModel, loadInferenceModel, predict, readFeatureTable, readOutcomeTable,
} from '../src/index.js';

const features = 'id,a,b\np1,1,2\np2,2,1\np3,3,5\np4,4,3\np5,5,4\np6,6,7\n';
const labels = 'id,label\np1,0\np2,1\np3,0\np4,1\np5,1\np6,0\n';

describe('feature and outcome tables', () => {
  it('reads the formats fedrad extract writes, joined on id in any row order', () => {
    const f = readFeatureTable('id,"x,1",y\r\nA,1.5,-2e-3\r\nB,0,7\r\n');
    expect(f.featureNames).toEqual(['x,1', 'y']);
    expect(Array.from(f.values)).toEqual([1.5, -0.002, 0, 7]);
    const o = readOutcomeTable('id,time,event,stratum\nB,10,1,s1\nA,3.5,0,s2\n');
    expect(o.kind).toBe('survival');
  });

  it('reads an outcome CSV by the rules fedrad evaluate applies: any column order and letter case, status = event', () => {
    const o = readOutcomeTable('Label,ID\n1.0,B\n0,A\n');
    expect(o.kind === 'binary' && [o.ids, Array.from(o.label)]).toEqual([['B', 'A'], [1, 0]]);
    const s = readOutcomeTable('id,Time,status\nA,3,1\nB,4,0\n');
    expect(s.kind === 'survival' && Array.from(s.event)).toEqual([1, 0]);
    // label beside time and event: a survival table, as evaluate reads it
    expect(readOutcomeTable('id,label,time,event\nA,1,3,1\n').kind).toBe('survival');
    expect(() => readOutcomeTable('case,label\n1,0\n', 'o.csv')).toThrow('o.csv: no "id" column in the header "case,label"');
  });

  it('refuses a missing value and names the case, the row and the column', () => {
    const err = (() => { try { readFeatureTable('id,a,b\np1,1,2\np2,NA,1\n', 'cohort.csv'); } catch (e) { return e; } })() as MissingValueError;
    expect(err).toBeInstanceOf(MissingValueError);
    expect(err.code).toBe('LEARN_MISSING_VALUE');
    expect(err.message).toContain('cohort.csv');
    expect(err.message).toContain('"p2"');
    expect(err.message).toContain('row 3');
    expect(err.message).toContain('"a"');
  });

  it('refuses malformed tables: no id column, duplicate ids, ragged rows, non-numeric cells, bad labels', () => {
    expect(() => readFeatureTable('case,a\n1,2\n')).toThrow(TableFormatError);
    expect(() => readFeatureTable('id,a\np1,1\np1,2\n')).toThrow(/appears twice/);
    expect(() => readFeatureTable('id,a\np1,1,3\n')).toThrow(/3 cells, the header has 2/);
    expect(() => readFeatureTable('id,a\np1,high\n')).toThrow(/not a number/);
    expect(() => readOutcomeTable('id,label\np1,2\n')).toThrow(/0 or 1/);
    expect(() => readOutcomeTable('id,status\np1,2\n')).toThrow(/id,label or id,time,event/);
  });

  it('refuses an outcome table that lacks cases present in the features', async () => {
    const f = readFeatureTable(features);
    const err = await fitModel({ family: 'logistic' }, f, readOutcomeTable('id,label\np1,0\np2,1\n', 'labels.csv')).catch((e) => e);
    expect(err).toBeInstanceOf(CaseMismatchError);
    expect(err.message).toContain('labels.csv');
    expect(err.missingOutcome).toEqual(['p3', 'p4', 'p5', 'p6']);
  });
});

describe('training refuses what it cannot fit, with an actionable error', () => {
  const f = readFeatureTable(features);
  it('a constant column under standardisation names the feature', async () => {
    const c = readFeatureTable('id,a,flat\np1,1,3\np2,2,3\np3,3,3\np4,4,3\n', 'cohort.csv');
    const o = readOutcomeTable('id,label\np1,0\np2,1\np3,0\np4,1\n');
    await expect(fitModel({ family: 'lasso-logistic', lambda: 0.1 }, c, o)).rejects.toThrow(ConstantFeatureError);
    await expect(fitModel({ family: 'lasso-logistic', lambda: 0.1 }, c, o)).rejects.toThrow(/^cohort\.csv: feature\(s\) flat are constant/);
  });
  it('an outcome with a single class', async () => {
    const o = readOutcomeTable('id,label\np1,1\np2,1\np3,1\np4,1\np5,1\np6,1\n', 'labels.csv');
    await expect(fitModel({ family: 'lasso-logistic' }, f, o)).rejects.toThrow(DegenerateOutcomeError);
    await expect(fitModel({ family: 'lasso-logistic' }, f, o)).rejects.toThrow('labels.csv: the outcome has a single class (6 positive of 6)');
  });
  it('a Cox model without events', async () => {
    const o = readOutcomeTable('id,time,event\np1,1,0\np2,2,0\np3,3,0\np4,4,0\np5,5,0\np6,6,0\n', 'survival.csv');
    await expect(fitModel({ family: 'cox' }, f, o)).rejects.toThrow(/^survival\.csv: the survival outcome has no events/);
  });
  it('an outcome of the wrong kind for the model names the file', async () => {
    await expect(fitModel({ family: 'cox' }, f, readOutcomeTable(labels, 'labels.csv'))).rejects.toThrow('labels.csv: a Cox model needs an outcome with time and event columns');
  });
  it('non-convergence reports the iterations and the last change', async () => {
    const err = await fitModel({ family: 'lasso-logistic', lambda: 0.001 }, f, readOutcomeTable(labels), { solver: 'fista', maxIterations: 2 }).catch((e) => e);
    expect(err).toBeInstanceOf(NonConvergenceError);
    expect(err.iterations).toBe(2);
    expect(err.message).toMatch(/after 2 iterations \(last change [0-9.e+-]+/);
  });
  it('perfectly collinear features make Newton refuse with a singular-Hessian error', async () => {
    const c = readFeatureTable('id,a,twice_a\np1,1,2\np2,2,4\np3,3,6\np4,4,8\np5,5,10\np6,6,12\n');
    await expect(fitModel({ family: 'logistic' }, c, readOutcomeTable(labels))).rejects.toThrow(SingularHessianError);
  });
  it('prediction names the features that do not match the model', async () => {
    const model = await fitModel({ family: 'lasso-logistic', lambda: 0.01 }, f, readOutcomeTable(labels));
    const loaded = await loadInferenceModel(exportInferenceModel(model));
    const err = await predict(loaded, readFeatureTable('id,a,c\np1,1,2\n'), 'new.csv').catch((e) => e);
    expect(err).toBeInstanceOf(FeatureMismatchError);
    expect(err.missing).toEqual(['b']);
    expect(err.unexpected).toEqual(['c']);
    expect(err.message).toBe("new.csv: features do not match the model's inputs; missing: b; not in the model: c");
    await loaded.session.release();
  });
});
