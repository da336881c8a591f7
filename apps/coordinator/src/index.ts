// @fedrad/coordinator: campaign state in SQLite, the mTLS site channel (SITE_CHANNEL.md) and the operator API.
export { startCoordinator, type CoordinatorOptions, type RunningCoordinator } from './coordinator.js';
export { createCoordinatorClient, CoordinatorApiError, type CoordinatorClient } from './client.js';
export type { AppRouter } from './api/router.js';
export { CA_FILES, initCaFolder, issueServerCertificate, signSiteCsr, revokeInFolder, revokedInFolder, issuedInFolder, loadCa } from './caFolder.js';
export { openStore, type Db } from './store/openStore.js';
export { verifyAuditLog, listAudit, appendAudit, type AuditVerification, type AuditRecord } from './store/auditLog.js';
export { CoordinatorError, StoreError } from './errors.js';
export type { CampaignEvent, CoreContext } from './core/context.js';
export { createCampaign, startCampaign } from './core/campaigns.js';
export { getCampaign, listCampaigns } from './core/campaignStore.js';
export { plan } from './core/phases/plan.js';
export type { PlanStep } from './core/campaignRunner.js';
export { campaignStatus, type CampaignStatus } from './core/status.js';
export { acceptResult, acceptResults, signedResultOf } from './core/results.js';
export { tick } from './core/tick.js';
export { SITE_PATH, CLOSE } from './net/siteServer.js';
export { API_PATH } from './api/apiServer.js';
