import { FedRadError } from '@fedrad/protocol';

/**
 * A step's parameters ask for something the site half cannot do with them. The code is the one a
 * site node reports for a malformed job (JOB_INPUT_INVALID), with the job parameter's path in
 * `context.field`.
 */
export class MethodInputError extends FedRadError {
  constructor(message: string, where: { field: string }) {
    super('JOB_INPUT_INVALID', message, { context: { field: where.field } });
  }
}

/** The campaign protocol asks for a method, or a setting of one, that is not implemented; `context.field` names the protocol field. */
export class MethodConfigError extends FedRadError {
  constructor(message: string, where: { field: string }, options: { cause?: unknown } = {}) {
    super('METHOD_UNSUPPORTED', message, { context: { field: where.field }, cause: options.cause });
  }
}

/** The local twin cannot run: a partition is missing, too small, or the method does not finish. */
export class LocalTwinError extends FedRadError {
  declare readonly code: 'COHORT_TOO_SMALL' | 'NO_PARTITIONS' | 'STEP_BUDGET';
  constructor(
    code: 'COHORT_TOO_SMALL' | 'NO_PARTITIONS' | 'STEP_BUDGET',
    message: string,
    /** The site and its patient count against the minimum, for COHORT_TOO_SMALL. */
    readonly detail: { siteId?: string; patientCount?: number; minimum?: number } = {},
  ) {
    super(code, message, { context: detail.siteId ? { siteId: detail.siteId } : {} });
  }
}

/**
 * A site half refuses to compute an aggregate that would rest on fewer patients than the campaign's
 * minimum (DESIGN.md, "What leaves a site"): e.g. a time bin of pooled Cox holding 1 … m − 1 of the
 * site's events. Nothing is sent; `context.field` names the job parameter that asked for it.
 */
export class EgressRefusedError extends FedRadError {
  constructor(message: string, where: { field: string }) {
    super('EGRESS_REFUSED', message, { context: { field: where.field } });
  }
}
