/**
 * A step's parameters ask for something the site half cannot do with them. The code is the one a
 * site node reports for a malformed job (JOB_INPUT_INVALID), with the job parameter's path in
 * `context.field`.
 */
export class MethodInputError extends Error {
  readonly code = 'JOB_INPUT_INVALID';
  constructor(message: string, readonly context: { field: string }) {
    super(message);
    this.name = 'MethodInputError';
  }
}

/** The campaign protocol asks for a method, or a setting of one, that is not implemented; `context.field` names the protocol field. */
export class MethodConfigError extends Error {
  readonly code = 'METHOD_UNSUPPORTED';
  constructor(message: string, readonly context: { field: string }, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MethodConfigError';
  }
}

/** The local twin cannot run: a partition is missing, too small, or the method does not finish. */
export class LocalTwinError extends Error {
  constructor(
    readonly code: 'COHORT_TOO_SMALL' | 'NO_PARTITIONS' | 'STEP_BUDGET',
    message: string,
    readonly context: { siteId?: string; patientCount?: number; minimum?: number } = {},
  ) {
    super(message);
    this.name = 'LocalTwinError';
  }
}
