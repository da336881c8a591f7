import { FedRadError, type ErrorContext } from '@fedrad/protocol';

/**
 * Site-node failures, one class per kind, each with a stable `code` (the error-report code
 * the coordinator sees) and a message a site's IT person can act on.
 */
export class SiteNodeError extends FedRadError {
  constructor(code: string, message: string, context: Pick<ErrorContext, 'caseId' | 'field' | 'file' | 'retryable'> = {}, cause?: unknown) {
    super(code, message, { context, cause, kind: context.retryable ? 'unavailable' : 'invalid' });
  }
}

/** site.yaml is missing, unreadable or names something that does not exist. */
export class SiteConfigError extends SiteNodeError {
  constructor(message: string, context: { file?: string; field?: string } = {}, cause?: unknown) {
    super('SITE_CONFIG', message, context, cause);
  }
}

/** The cohort a job asks for is not registered, or its tables disagree with each other. */
export class CohortError extends SiteNodeError {
  constructor(message: string, context: { caseId?: string; field?: string; file?: string } = {}, cause?: unknown) {
    super('COHORT_INVALID', message, context, cause);
  }
}

/** The cohort rests on fewer patients than the campaign's minimum: nothing may leave. */
export class CohortTooSmallError extends SiteNodeError {
  constructor(readonly patientCount: number, readonly minimum: number, cohort: string, counted = 'patients') {
    super('COHORT_TOO_SMALL', `Cohort "${cohort}" has ${patientCount} ${counted}; the campaign requires at least ${minimum} before any aggregate may leave the site.`);
  }
}

/** A job names a protocol hash the local operator has not approved with `fedrad site approve`. */
export class UnapprovedProtocolError extends SiteNodeError {
  constructor(readonly protocolHash: string) {
    super('PROTOCOL_NOT_APPROVED', `This site's operator has not approved protocol ${protocolHash}; run \`fedrad site approve ${protocolHash}\` at the site after reviewing it.`);
  }
}

/**
 * The job is inside the protocol, but the site's own policy (jobPolicy.ts) refuses it: a round
 * out of order, a spent job budget, another model than the locked one, or a cohort too close to
 * one already queried. `code` is the policy's.
 */
export class JobRefusedError extends SiteNodeError {
  constructor(code: string, message: string) {
    super(code, message, { retryable: false });
  }
}

/** The job envelope or its parameters are malformed or ask for something this node cannot do. */
export class JobInputError extends SiteNodeError {
  constructor(message: string, context: { field?: string; caseId?: string } = {}) {
    super('JOB_INPUT_INVALID', message, context);
  }
}

/** The job exceeded its deadline or the worker running it died. */
export class JobAbortedError extends SiteNodeError {
  constructor(message: string) {
    super('JOB_ABORTED', message, { retryable: true });
  }
}

/** Enrolment could not complete (coordinator unreachable, CSR refused, not yet approved). */
export class EnrolmentError extends SiteNodeError {
  constructor(message: string, context: { file?: string; retryable?: boolean } = {}) {
    super('ENROLMENT_FAILED', message, context);
  }
}
