import { describe, expect, it } from '@jest/globals';
import { FedRadError, LabelValueError, MissingValueError, SurvivalValueError, readFeatureTable, readOutcomeTable, localReason, toErrorReport, UNEXPECTED_ERROR_MESSAGE, validate, withoutLocalPaths } from '../src/index.js';

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('toErrorReport: what crosses the wire when a site job fails', () => {
  it('gives a table reader error\'s code, case and column, and withholds the quoted cell (a patient\'s data)', () => {
    const error = thrownBy(() => readFeatureTable('id,a,b\np1,1,2\np2,12.5mm,1\n', 'cohort.csv'));
    const report = toErrorReport(error);
    expect(report).toMatchObject({ type: 'error-report', code: 'TABLE_FORMAT', caseId: 'p2', field: 'a' });
    expect(report.message).toContain('cohort.csv line 3');
    expect(report.message).toContain('(value withheld at the site)');
    expect(report.message).not.toContain('12.5mm');
    expect(validate('error-report', report).valid).toBe(true);
  });

  it('withholds an unquoted cell too ("is yes;"), and a survival field names time or event', () => {
    const label = toErrorReport(thrownBy(() => readOutcomeTable('id,label\np1,1\np2,yes\n', 'O.csv')));
    expect(label.code).toBe('TABLE_INVALID_LABEL');
    expect(label.message).not.toMatch(/\byes\b/);
    expect(label).toMatchObject({ caseId: 'p2', field: 'label' });
    const survival = toErrorReport(new SurvivalValueError({ source: 'S.csv', row: 2, column: 'followup', caseId: 'p1', value: '-3' }, 'time', false));
    expect(survival).toMatchObject({ code: 'TABLE_SURVIVAL_FIELD', field: 'time', caseId: 'p1' });
    expect(survival.message).not.toContain('-3');
  });

  it('does not withhold a value equal to the case id (the id is sent anyway) or an empty cell', () => {
    const missing = new MissingValueError({ source: 'f.csv', row: 2, column: 'a', caseId: 'p1', value: '' });
    expect(toErrorReport(missing).message).toBe(missing.message);
    const label = new LabelValueError({ source: 'O.csv', row: 2, column: 'label', caseId: 'p1', value: 'p1' });
    expect(toErrorReport(label).message).toContain('"p1"');
  });

  it('never sends a stack: only the sentence before the first stack frame', () => {
    const error = new FedRadError('JOB_INPUT_INVALID', 'the job asks for cohort "x", which is not registered');
    const withStack = new FedRadError('JOB_INPUT_INVALID', `first line\n    at Object.<anonymous> (/srv/site/job.js:10:5)\n    at run (/srv/site/run.js:3:1)`);
    expect(toErrorReport(error).message).toBe('the job asks for cohort "x", which is not registered');
    const report = toErrorReport(withStack);
    expect(report.message).toBe('first line');
    expect(JSON.stringify(report)).not.toContain('job.js');
    const plain = new Error('disk full');
    expect(toErrorReport(plain)).toEqual({ type: 'error-report', code: 'JOB_FAILED', message: UNEXPECTED_ERROR_MESSAGE });
    expect(JSON.stringify(toErrorReport(plain))).not.toContain(' at ');
  });

  it('turns anything that is not a FedRadError into JOB_FAILED, whatever code it carries', () => {
    expect(toErrorReport(Object.assign(new Error('no such file'), { code: 'ENOENT', caseId: 'p1' }))).toEqual({ type: 'error-report', code: 'JOB_FAILED', message: UNEXPECTED_ERROR_MESSAGE });
    expect(toErrorReport('a string')).toEqual({ type: 'error-report', code: 'JOB_FAILED', message: UNEXPECTED_ERROR_MESSAGE });
    expect(toErrorReport(undefined).code).toBe('JOB_FAILED');
    expect(toErrorReport(new Error('')).message).toBe(UNEXPECTED_ERROR_MESSAGE);
  });

  it('trims the case id, field and message to the schema\'s limits and passes retryable on', () => {
    const long = new FedRadError('JOB_ABORTED', 'm'.repeat(3000), { context: { caseId: 'c'.repeat(300), field: 'f'.repeat(300), retryable: true } });
    const report = toErrorReport(long);
    expect(report.caseId).toHaveLength(128);
    expect(report.field).toHaveLength(200);
    expect(report.message).toHaveLength(2000);
    expect(report.retryable).toBe(true);
    expect(validate('error-report', report).valid).toBe(true);
  });
});

describe('local paths stay at the site (issue #19.7)', () => {
  it('the report carries no path of the site, not even a file name; localReason keeps the path and the causes', () => {
    const cause = new Error("ENOENT: no such file or directory, open '/srv/fedrad/site-a/tables/outcome.csv'");
    const error = new FedRadError('COHORT_INVALID', 'Cohort "grade": cannot read its outcome table /srv/fedrad/site-a/tables/outcome.csv (ENOENT).', { cause });
    expect(toErrorReport(error).message).toBe('Cohort "grade": cannot read its outcome table (a path at the site) (ENOENT).');
    expect(localReason(error)).toBe(
      '[COHORT_INVALID] Cohort "grade": cannot read its outcome table /srv/fedrad/site-a/tables/outcome.csv (ENOENT).\n' +
        "caused by: ENOENT: no such file or directory, open '/srv/fedrad/site-a/tables/outcome.csv'",
    );
  });
  it("the site's own folders go whole, spaces included, and so does the error's own file", () => {
    const roots = ['/opt2/Jane Doe/cohorts'];
    expect(withoutLocalPaths('cannot read /opt2/Jane Doe/cohorts/DOE_JOHN/outcome.csv: locked', roots)).toBe('cannot read (a path at the site): locked');
    const error = new FedRadError('TABLE_MISSING_VALUE', '/x y/z/features.csv line 4: empty cell', { context: { file: '/x y/z/features.csv' } });
    expect(toErrorReport(error).message).toBe('(a path at the site) line 4: empty cell');
  });
  it('Windows, home and file: paths are cut too; JSON pointers, ratios and URLs are left alone', () => {
    expect(withoutLocalPaths('cannot open D:\\cohorts\\grade\\features.csv, ~/fedrad/site.yaml or file:///mnt/x.nii')).toBe(
      'cannot open (a path at the site), (a path at the site) or (a path at the site)',
    );
    const kept = '/params/model/family must be equal to one of the allowed values; a 1/2/3 split; https://coord.example.org:8443/data/site; /tmpfiles';
    expect(withoutLocalPaths('under /tmpx/a and /tmp/a', ['/tmp'])).toBe('under /tmpx/a and (a path at the site)');
    expect(withoutLocalPaths(kept)).toBe(kept);
  });
});
