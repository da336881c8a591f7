import { FedRadError } from '../errors/fedRadError.js';

/**
 * Errors of the table readers. Each names the file (`source`), the line the record starts on
 * (`row`, the header being row 1), the column, the cell's text and the case id where there is
 * one, so that a site operator or a radiologist can find and fix the cell.
 *
 * Their codes (TABLE_*) travel in a site's error reports and sit in the coordinator's job
 * records, so they are the same whichever command read the table.
 */
export interface TableErrorContext {
  /** File name or label of the table (what the caller passed as `source`). */
  source: string;
  /** 1-based line of the file where the record starts (the header is row 1). */
  row?: number;
  /** Header name of the offending column. */
  column?: string;
  /** The cell's text as written in the file. */
  value?: string;
  /** The case (patient) id of the offending row. */
  caseId?: string;
  /** Which field of the record is wrong, where a column alone does not say it (a survival time or event). */
  field?: string;
}

export class TableError extends FedRadError {
  constructor(code: string, message: string, context: TableErrorContext, cause?: unknown) {
    const { source, row, column, value, caseId, field } = context;
    super(code, message, { context: { file: source, line: row, column, value, caseId, field }, cause });
  }

  /** The table's file name or label (context.file). */
  get source(): string {
    return this.context.file!;
  }
  /** The line the record starts on (context.line). */
  get row(): number | undefined {
    return this.context.line;
  }
  get column(): string | undefined {
    return this.context.column;
  }
  get value(): string | undefined {
    return this.context.value;
  }
  get caseId(): string | undefined {
    return this.context.caseId;
  }
}

/** The table's shape is wrong: not CSV, bad header, no `id` column, ragged row, empty or repeated id, non-numeric feature. */
export class TableFormatError extends TableError {
  constructor(message: string, context: TableErrorContext, cause?: unknown) {
    super('TABLE_FORMAT', message, context, cause);
  }
}

/** A feature cell is empty or NA: training and prediction refuse to impute silently. */
export class MissingValueError extends TableError {
  constructor(context: TableErrorContext & { row: number; column: string; caseId: string }) {
    super(
      'TABLE_MISSING_VALUE',
      `${context.source}: case "${context.caseId}" (row ${context.row}) has no value for "${context.column}"; impute or drop the case before training or prediction`,
      context,
    );
  }
}

/** A score of a predictions table is missing or not a finite number. */
export class ScoreValueError extends TableError {
  constructor(context: TableErrorContext & { row: number; column: string; caseId: string; value: string }) {
    super(
      'TABLE_NON_FINITE_SCORE',
      `${context.column} in ${context.source} (line ${context.row}) of patient "${context.caseId}" is ${shown(context.value)}; expected a finite number`,
      context,
    );
  }
}

/** A binary outcome label is missing or not 0/1. */
export class LabelValueError extends TableError {
  constructor(context: TableErrorContext & { row: number; column: string; caseId: string; value: string }) {
    super(
      'TABLE_INVALID_LABEL',
      `${context.source} line ${context.row}: ${context.column} of patient "${context.caseId}" is ${shown(context.value)}; expected 0 or 1`,
      context,
    );
  }
}

/** A survival outcome's follow-up time or event indicator is missing or out of range. */
export class SurvivalValueError extends TableError {
  constructor(context: TableErrorContext & { row: number; column: string; caseId: string; value: string }, field: 'time' | 'event', missing: boolean) {
    const found = missing ? `no ${field}` : `${field} "${context.value}"`;
    const expected = field === 'event' ? 'event 0 (censored) or 1 (event)' : 'a follow-up time ≥ 0 since baseline';
    super('TABLE_SURVIVAL_FIELD', `${context.source} line ${context.row}: patient "${context.caseId}" has ${found}; expected ${expected}`, { ...context, field });
  }

  /** Which of the survival outcome's fields is wrong (context.field). */
  get field(): 'time' | 'event' {
    return this.context.field as 'time' | 'event';
  }
}

function shown(value: string): string {
  return value === '' ? '(empty)' : value;
}
