import type { Outputs } from '../api';

/** campaigns.overview: the status with each site's jobs counted (siteJobs) instead of listed. */
export type CampaignOverview = Outputs['campaigns']['overview'];

export interface SiteProgress {
  siteId: string;
  role: 'training' | 'test';
  connected: boolean;
  /** working: a job is open; failed: its latest job failed (with the site's or the coordinator's reason). */
  state: 'waiting' | 'working' | 'done' | 'failed';
  jobsDone: number;
  jobsTotal: number;
  failure?: string;
  lastSeenAt: string | null;
  /** Training rounds this site answered, out of those closed (a dropout shows as fewer). */
  roundsIn: number;
}

/** Each of the campaign's sites: connection, its jobs, and whether it dropped out of rounds. One pass over each list (no per-site search). */
export function siteProgress(status: Pick<CampaignOverview, 'sites' | 'rounds' | 'siteJobs'>, connected: readonly string[]): SiteProgress[] {
  const jobsBySite = new Map(status.siteJobs.map((j) => [j.siteId, j]));
  const online = new Set(connected);
  const roundsIn = new Map<string, number>();
  for (const r of status.rounds) for (const s of r.sites ?? []) roundsIn.set(s, (roundsIn.get(s) ?? 0) + 1);
  return status.sites.map((s) => {
    const jobs = jobsBySite.get(s.siteId);
    const last = jobs?.last;
    const state: SiteProgress['state'] = !last ? 'waiting' : last.state === 'failed' ? 'failed' : last.state === 'open' ? 'working' : 'done';
    return {
      siteId: s.siteId,
      role: s.role,
      connected: online.has(s.siteId),
      state,
      jobsDone: jobs?.done ?? 0,
      jobsTotal: jobs?.total ?? 0,
      ...(state === 'failed' && last ? { failure: `${last.kind}: ${last.failureCode ?? 'failed'}${last.failureMessage ? ` — ${last.failureMessage}` : ''}` } : {}),
      lastSeenAt: s.lastSeenAt,
      roundsIn: roundsIn.get(s.siteId) ?? 0,
    };
  });
}
