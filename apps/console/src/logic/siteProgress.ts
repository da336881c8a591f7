import type { Outputs } from '../api';

export type CampaignStatus = Outputs['campaigns']['status'];

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

/** Each of the campaign's sites: connection, its jobs, and whether it dropped out of rounds. */
export function siteProgress(status: CampaignStatus, connected: readonly string[]): SiteProgress[] {
  const jobsBySite = new Map<string, CampaignStatus['jobs']>();
  for (const j of status.jobs) {
    const list = jobsBySite.get(j.siteId);
    if (list) list.push(j);
    else jobsBySite.set(j.siteId, [j]);
  }
  const roundsIn = new Map<string, number>();
  for (const r of status.rounds) for (const s of r.sites ?? []) roundsIn.set(s, (roundsIn.get(s) ?? 0) + 1);
  return status.sites.map((s) => {
    const jobs = jobsBySite.get(s.siteId) ?? [];
    const last = jobs[jobs.length - 1];
    const done = jobs.filter((j) => j.state === 'done').length;
    const state: SiteProgress['state'] = !last ? 'waiting' : last.state === 'failed' ? 'failed' : last.state === 'open' ? 'working' : 'done';
    return {
      siteId: s.siteId,
      role: s.role,
      connected: connected.includes(s.siteId),
      state,
      jobsDone: done,
      jobsTotal: jobs.length,
      ...(state === 'failed' && last ? { failure: `${last.kind}: ${last.failureCode ?? 'failed'}${last.failureMessage ? ` — ${last.failureMessage}` : ''}` } : {}),
      lastSeenAt: s.lastSeenAt,
      roundsIn: roundsIn.get(s.siteId) ?? 0,
    };
  });
}
