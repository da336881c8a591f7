// @fedrad/site-node: the daemon a hospital runs next to its data (see README.md, EGRESS.md).
export * from './errors.js';
export { checkEgress, describeViolations, describeViolationsForCoordinator, nestedResultSchema, DEFAULT_MIN_COHORT_SIZE, IDENTIFIER_KEYS, PATIENT_COUNT_KEYS, type EgressContext, type EgressRule, type EgressVerdict, type EgressViolation } from './egressGuard.js';
export { EgressGate } from './egressGate.js';
export { SiteStore, type Approval, type EgressLogEntry, type StoredJob } from './siteStore.js';
export { readSiteStatus, withSiteStore, type SiteStatus } from './siteStatus.js';
export { loadSiteConfig, parseSiteConfig, type CohortEntry, type SiteConfig } from './siteConfig.js';
export { CohortRegistry, type RegisteredCohort } from './cohortRegistry.js';
export { JobExecutor } from './jobExecutor.js';
export type { JobInput, JobOutput } from './jobTypes.js';
export { ResultSigner } from './resultSigner.js';
export { SiteChannel, MAX_FRAME_BYTES, type SiteChannelOptions } from './siteChannel.js';
export { SiteDaemon, channelUrl, SOFTWARE_VERSION, SUPPORTED_JOB_KINDS, type SiteDaemonOptions } from './siteDaemon.js';
export { enrolSite, httpsBase, type EnrolmentOutcome, type EnrolOptions } from './enrolment.js';
export { AuditHeadRecorder, auditHeadsFile, readAuditHeads, type HeadOutcome } from './auditHeads.js';
