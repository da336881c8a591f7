import { describe, expect, it } from '@jest/globals';
import {
  CaseMismatchError, ConstantFeatureError, DegenerateOutcomeError, FeatureMismatchError, MissingValueError, NonConvergenceError,
  SingularHessianError, TableFormatError, exportInferenceModel, fitModel, loadInferenceModel, predict, readFeatureTable, readOutcomeTable,
} from '../src/index.js';

const features = 'id,a,b\np1,1,2\np2,2,1\np3,3,5\np4,4,3\np5,5,4\np6,6,7\n';
const labels = 'id,label\np1,0\np2,1\np3,0\np4,1\np5,1\np6,0\n';

// The readers' own tests (formats, refusals, line numbers) are in @fedrad/protocol's
// test/tables.test.ts, with the readers; here: what learn's callers rely on (the re-exported
// readers and error classes, the code a site reports) and joining the tables for training.
describe('feature and outcome tables', () => {
  it('refuses a missing value and names the case, the row and the column', () => {
    const err = (() => { try { readFeatureTable('id,a,b\np1,1,2\np2,NA,1\n', 'cohort.csv'); } catch (e) { return e; } })() as MissingValueError;
    expect(err).toBeInstanceOf(MissingValueError);
    expect(err.code).toBe('TABLE_MISSING_VALUE');
    expect(err.message).toContain('cohort.csv');
    expect(err.message).toContain('"p2"');
    expect(err.message).toContain('row 3');
    expect(err.message).toContain('"a"');
  });

  it('refuses a table without an id column with the TableFormatError learn exports', () => {
    expect(() => readFeatureTable('case,a\n1,2\n')).toThrow(TableFormatError);
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
