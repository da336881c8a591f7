import { FedRadError } from '@fedrad/protocol';

/**
 * The one error this package throws: a stable `code` and the context a caller needs to turn it
 * into its own message (a GLM fit names the coefficient, a federation the round). Callers catch
 * it and re-throw in their own terms; numeric never guesses what a failure means to them.
 */
export type NumericErrorCode = 'NOT_POSITIVE_DEFINITE';

export class NumericError extends FedRadError {
  declare readonly code: NumericErrorCode;
  constructor(
    code: NumericErrorCode,
    message: string,
    /** Where the factorisation stopped: the failing pivot (0-based) of an n × n matrix. */
    readonly detail: { pivot?: number; size?: number } = {},
  ) {
    super(code, message, { kind: 'internal' });
  }
}

/** True when `error` is a matrix that is not (numerically) positive definite. */
export const isNotPositiveDefinite = (error: unknown): error is NumericError =>
  error instanceof NumericError && error.code === 'NOT_POSITIVE_DEFINITE';
