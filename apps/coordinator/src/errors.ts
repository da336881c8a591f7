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
  | 'CONFIG';

/** What kind of failure each code is: the API answers NOT_FOUND / CONFLICT from it, not from the code's text. */
const KIND_OF: Partial<Record<CoordinatorErrorCode, ErrorKind>> = {
  CAMPAIGN_NOT_FOUND: 'not-found',
  SITE_NOT_FOUND: 'not-found',
  ENROLMENT_NOT_FOUND: 'not-found',
  CAMPAIGN_EXISTS: 'conflict',
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
