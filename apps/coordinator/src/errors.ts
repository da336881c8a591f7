/** A request the coordinator cannot act on (unknown campaign, wrong state, …), with a stable code. */
export class CoordinatorError extends Error {
  constructor(
    readonly code:
      | 'CAMPAIGN_EXISTS'
      | 'CAMPAIGN_NOT_FOUND'
      | 'CAMPAIGN_STATE'
      | 'SITE_NOT_FOUND'
      | 'ENROLMENT_NOT_FOUND'
      | 'ENROLMENT_STATE'
      | 'PROTOCOL_UNSUPPORTED'
      | 'CONFIG',
    message: string,
    readonly context: { campaignId?: string; siteId?: string; field?: string } = {},
  ) {
    super(message);
    this.name = 'CoordinatorError';
  }
}

/** The coordinator's SQLite file is unusable (wrong schema version, opened read-only, …). */
export class StoreError extends Error {
  readonly code = 'STORE';
  constructor(message: string, readonly path: string) {
    super(message);
    this.name = 'StoreError';
  }
}
