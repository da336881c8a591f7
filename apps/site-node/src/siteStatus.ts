import { CohortRegistry } from './cohortRegistry.js';
import type { SiteConfig } from './siteConfig.js';
import { SiteStore, type Approval } from './siteStore.js';

/** What `fedrad site status` shows: the site's own files only, nothing is contacted. */
export interface SiteStatus {
  siteId: string;
  coordinatorUrl: string;
  cohorts: Array<{ name: string; patients: number; problem?: { code: string; message: string } }>;
  approvals: Approval[];
  /**
   * Newest first; `error` is the code of the error report a failed job answered with, `reason` the
   * full reason kept at the site (local paths and causes included; the coordinator got a path-free one).
   */
  jobs: Array<{ jobId: string; kind: string; status: string; receivedAt: string; finishedAt: string | null; error?: string; reason?: string }>;
  blockedMessages: number;
}

/** Opens the site's SQLite file for the length of `use`. */
export function withSiteStore<T>(config: SiteConfig, use: (store: SiteStore) => T): T {
  const store = new SiteStore(config.database);
  try {
    return use(store);
  } finally {
    store.close();
  }
}

export function readSiteStatus(config: SiteConfig, recentJobs = 20): SiteStatus {
  const cohorts = CohortRegistry.load(config.cohorts).list().map((c) => ({ name: c.name, patients: c.patientIds.length, ...(c.problem ? { problem: c.problem } : {}) }));
  return withSiteStore(config, (store) => ({
    siteId: config.siteId,
    coordinatorUrl: config.coordinatorUrl,
    cohorts,
    approvals: store.approvedProtocols().map((h) => store.approval(h)!),
    jobs: store.recentJobs(recentJobs).map((j) => {
      const body = j.resultJson ? (JSON.parse(j.resultJson) as { type?: string; code?: string; message?: string }) : undefined;
      const failed = body?.type === 'error-report' && body.code;
      const reason = j.localReason ?? body?.message;
      return {
        jobId: j.jobId, kind: j.kind, status: j.status, receivedAt: j.receivedAt, finishedAt: j.finishedAt,
        ...(failed ? { error: body.code, ...(reason ? { reason } : {}) } : {}),
      };
    }),
    blockedMessages: store.blockedEgress().length,
  }));
}
