import { FedRadError, type ErrorContext, type ErrorKind } from '@fedrad/protocol';

/** The codes of a CoordinatorError: one request the coordinator cannot act on. */
export type CoordinatorErrorCode =
  | 'CAMPAIGN_EXISTS'
  | 'CAMPAIGN_NOT_FOUND'
  | 'CAMPAIGN_STATE'
  | 'SITE_NOT_FOUND'
  | 'ENROLMENT_NOT_FOUND'
  | 'ENROLMENT_STATE'
  | 'PROTOCOL_UNSUPPORTED'
  | 'CONFIG'
  | 'OPERATOR_EXISTS'
  | 'OPERATOR_NOT_FOUND'
  | 'TOKEN_NOT_FOUND'
  | 'ENROLMENT_CODE_INVALID'
  | 'ENROLMENT_PENDING'
  | 'ENROLMENT_LIMIT'
  | 'FINGERPRINT_MISMATCH'
  | 'ATTESTATION_NOT_ALLOWED'
  | 'ATTESTATION_EXISTS';

/** What kind of failure each code is: the API answers NOT_FOUND / CONFLICT from it, not from the code's text. */
const KIND_OF: Partial<Record<CoordinatorErrorCode, ErrorKind>> = {
  CAMPAIGN_NOT_FOUND: 'not-found',
  SITE_NOT_FOUND: 'not-found',
  ENROLMENT_NOT_FOUND: 'not-found',
  CAMPAIGN_EXISTS: 'conflict',
  OPERATOR_EXISTS: 'conflict',
  OPERATOR_NOT_FOUND: 'not-found',
  TOKEN_NOT_FOUND: 'not-found',
  ENROLMENT_PENDING: 'conflict',
  ENROLMENT_LIMIT: 'unavailable',
  FINGERPRINT_MISMATCH: 'conflict',
  ATTESTATION_EXISTS: 'conflict',
};

/** A request the coordinator cannot act on (unknown campaign, wrong state, …), with a stable code. */
export class CoordinatorError extends FedRadError {
  declare readonly code: CoordinatorErrorCode;
  constructor(code: CoordinatorErrorCode, message: string, context: Pick<ErrorContext, 'campaignId' | 'siteId' | 'field'> = {}, cause?: unknown) {
    super(code, message, { context, cause, kind: KIND_OF[code] });
  }
}

/** The coordinator's SQLite file is unusable (wrong schema version, opened read-only, …). */
export class StoreError extends FedRadError {
  constructor(message: string, readonly path: string) {
    super('STORE', message, { context: { file: path }, kind: 'internal' });
  }
}

/** The codes of an AccessError: a caller the operator API does not let through. */
export type AccessErrorCode = 'UNAUTHORIZED' | 'LOGIN_FAILED' | 'FORBIDDEN_ROLE' | 'CSRF_REFUSED' | 'ORIGIN_REFUSED' | 'RATE_LIMITED' | 'BODY_TOO_LARGE';

/** The HTTP status of each refusal (tRPC's names). */
export const ACCESS_STATUS: Readonly<Record<AccessErrorCode, 'UNAUTHORIZED' | 'FORBIDDEN' | 'TOO_MANY_REQUESTS' | 'PAYLOAD_TOO_LARGE'>> = {
  UNAUTHORIZED: 'UNAUTHORIZED',
  LOGIN_FAILED: 'UNAUTHORIZED',
  FORBIDDEN_ROLE: 'FORBIDDEN',
  CSRF_REFUSED: 'FORBIDDEN',
  ORIGIN_REFUSED: 'FORBIDDEN',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
};

/** The operator API refused a caller: no or a wrong credential, a role without the right, a cross-site request, a flood. */
export class AccessError extends FedRadError {
  declare readonly code: AccessErrorCode;
  constructor(code: AccessErrorCode, message: string) {
    super(code, message, { kind: code === 'RATE_LIMITED' ? 'unavailable' : 'invalid' });
  }
}
