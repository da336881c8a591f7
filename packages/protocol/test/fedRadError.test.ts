import { describe, expect, it } from '@jest/globals';
import { ERROR_CODE_PATTERN, FedRadError, TableFormatError, isFedRadError, readCsv, schemas, type ErrorContext } from '../src/index.js';

describe('FedRadError, the base of every FedRad error', () => {
  it('carries a stable code, a typed context, a kind and the name of the class that threw it', () => {
    class CellError extends FedRadError {
      constructor(context: ErrorContext) {
        super('CELL_BROKEN', 'the cell is broken', { context });
      }
    }
    const e = new CellError({ file: 'cohort.csv', line: 4, column: 'age', caseId: 'p3', round: undefined });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('CellError');
    expect(e.code).toBe('CELL_BROKEN');
    expect(e.kind).toBe('invalid');
    // Fields left undefined are dropped, so the context lists only what the thrower knew.
    expect(e.context).toEqual({ file: 'cohort.csv', line: 4, column: 'age', caseId: 'p3' });
    expect(isFedRadError(e)).toBe(true);
    expect(isFedRadError(new Error('plain'))).toBe(false);
    expect(isFedRadError({ code: 'CELL_BROKEN', message: 'x', context: {} })).toBe(false);
  });

  it('keeps the error it wraps as the standard ES2022 cause', () => {
    const original = new RangeError('bad byte at 12');
    const e = new FedRadError('WRAPPED_FAILURE', 'could not read', { cause: original });
    expect(e.cause).toBe(original);
    expect(new FedRadError('NO_CAUSE', 'alone')).not.toHaveProperty('cause');
  });

  it('keeps the parser error under a table reader error', () => {
    let thrown: unknown;
    try {
      readCsv('id,a\n"p1,1\n', 'broken.csv');
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(TableFormatError);
    expect((thrown as TableFormatError).cause).toBeInstanceOf(Error);
    expect((thrown as TableFormatError).cause).not.toBeInstanceOf(FedRadError);
  });

  it('refuses a code that could not cross the wire (the error-report schema pattern)', () => {
    const pattern = new RegExp((schemas['error-report'] as { properties: { code: { pattern: string } } }).properties.code.pattern);
    expect(ERROR_CODE_PATTERN.source).toBe(pattern.source);
    for (const bad of ['lower_case', 'AB', '9_STARTS_WITH_DIGIT', 'HAS-DASH', 'A'.repeat(65)]) {
      expect(() => new FedRadError(bad, 'x')).toThrow(TypeError);
    }
    expect(() => new FedRadError('A'.repeat(64), 'x')).not.toThrow();
  });

  it('recognises an error made by another copy of the module (a worker bundle) by its registered brand', () => {
    const foreign = new Error('from elsewhere');
    Object.defineProperty(foreign, Symbol.for('@fedrad/protocol/FedRadError'), { value: true });
    expect(isFedRadError(foreign)).toBe(true);
  });
});
