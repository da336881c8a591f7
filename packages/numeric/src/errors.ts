/**
 * The one error this package throws: a stable `code` and the context a caller needs to turn it
 * into its own message (a GLM fit names the coefficient, a federation the round). Callers catch
 * it and re-throw in their own terms; numeric never guesses what a failure means to them.
 */
export type NumericErrorCode = 'NOT_POSITIVE_DEFINITE';

export class NumericError extends Error {
  constructor(
    readonly code: NumericErrorCode,
    message: string,
    readonly context: { pivot?: number; size?: number } = {},
  ) {
    super(message);
    this.name = 'NumericError';
  }
}

/** True when `error` is a matrix that is not (numerically) positive definite. */
export const isNotPositiveDefinite = (error: unknown): error is NumericError =>
  error instanceof NumericError && error.code === 'NOT_POSITIVE_DEFINITE';
