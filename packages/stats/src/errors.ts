import { FedRadError, type ErrorContext } from '@fedrad/protocol';

/**
 * One error class per kind of bad evaluation input. Each carries a stable `code` and says
 * which file / patient id / field is wrong so a site operator can fix the table.
 */
export class StatsInputError extends FedRadError {
  constructor(code: string, message: string, context: ErrorContext = {}) {
    super(code, message, { context });
  }
}

/** Outcomes hold one class only: AUC, calibration and DeLong are undefined. */
export class OneClassError extends StatsInputError {
  constructor(what: string, readonly positives: number, readonly negatives: number) {
    super(
      'STATS_ONE_CLASS',
      `${what}: the outcome has ${positives} positive and ${negatives} negative patients; ` +
        'discrimination needs at least one of each (check the label column is 0/1 and the test set is not filtered to one class)',
    );
  }
}

/** A score, time or label is NaN/Infinity or otherwise not a usable number. */
export class NonFiniteValueError extends StatsInputError {
  constructor(field: string, readonly index: number, value: unknown, id?: string) {
    super(
      'STATS_NON_FINITE',
      `${field} of ${id !== undefined ? `patient "${id}"` : `row ${index + 1}`} is ${String(value)}; expected a finite number`,
      { field, caseId: id, value: String(value) },
    );
  }
}

/** A label is not 0 or 1. */
export class InvalidLabelError extends StatsInputError {
  constructor(readonly index: number, value: unknown, id?: string, source?: string) {
    super(
      'STATS_INVALID_LABEL',
      `${source ? `${source}: ` : ''}label of ${id !== undefined ? `patient "${id}"` : `row ${index + 1}`} is ${String(value)}; expected 0 or 1`,
      { file: source, caseId: id, value: String(value) },
    );
  }
}

/** Two arrays that describe the same patients have different lengths. */
export class LengthMismatchError extends StatsInputError {
  constructor(what: string, expected: number, actual: number) {
    super('STATS_LENGTH_MISMATCH', `${what}: expected ${expected} values, got ${actual}`, { field: what, expected: `${expected} values`, found: `${actual} values` });
  }
}

/** Predictions, baseline and outcome tables do not cover the same patient ids. */
export class IdMismatchError extends StatsInputError {
  constructor(readonly left: string, readonly right: string, readonly missing: string[], readonly extra: string[]) {
    const show = (ids: string[]) => ids.slice(0, 5).map((i) => `"${i}"`).join(', ') + (ids.length > 5 ? ` … (${ids.length} in all)` : '');
    const parts: string[] = [];
    if (missing.length) parts.push(`${missing.length} id(s) of ${left} are missing from ${right}: ${show(missing)}`);
    if (extra.length) parts.push(`${extra.length} id(s) of ${right} are not in ${left}: ${show(extra)}`);
    super('STATS_ID_MISMATCH', `${left} and ${right} do not list the same patients: ${parts.join('; ')}`, { file: left });
  }
}

/**
 * The CSV tables' errors come from @fedrad/protocol with the readers (same codes:
 * TABLE_FORMAT, TABLE_SURVIVAL_FIELD); re-exported under stats' former names so
 * `instanceof` checks keep working.
 */
export { TableFormatError as CsvFormatError, SurvivalValueError as MissingSurvivalFieldError } from '@fedrad/protocol';

/** A parameter (level, replicate count, threshold) is outside its allowed range. */
export class InvalidParameterError extends StatsInputError {
  constructor(parameter: string, value: unknown, expected: string) {
    super('STATS_INVALID_PARAMETER', `${parameter} is ${String(value)}; expected ${expected}`, { field: parameter, value: String(value), expected });
  }
}

/** An estimate the report must carry came out undefined (a bug or a degenerate input we missed). */
export class UndefinedEstimateError extends StatsInputError {
  constructor(readonly what: string) {
    super('STATS_UNDEFINED_ESTIMATE', `${what} is undefined for this test set (NaN); the input is degenerate in a way the checks did not catch`);
  }
}

/**
 * The Hosmer–Lemeshow test refers its statistic to χ² with g − 2 df, so it needs g ≥ 3 groups; a
 * test set too small for three groups of the minimum size has no such test (its p-value would be
 * meaningless, and a site would send a report its own schema check refuses).
 */
export class TooFewGroupsError extends StatsInputError {
  constructor(patients: number, minGroupSize: number, groups: number) {
    super(
      'STATS_TOO_FEW_GROUPS',
      `The Hosmer–Lemeshow test needs at least 3 risk groups; this test set of ${patients} patients, in groups of at least ${minGroupSize}, makes ${groups}. Evaluate on more patients (at least ${3 * Math.max(1, minGroupSize)}).`,
      { field: 'hosmerLemeshow', value: String(groups), expected: 'at least 3 groups' },
    );
  }
}
