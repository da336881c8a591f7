import type { JobEnvelope } from '@fedrad/protocol';

/**
 * The job ids SITE_CHANNEL.md §3 defines, and nothing else: `<campaignId>/r<round>/<siteId>` for
 * train-round, `<campaignId>/tune/r<round>/<siteId>` for tune-round, `<campaignId>/eval/<siteId>` for evaluate, `<campaignId>/<kind>/<siteId>` for the
 * others — the latter two with an optional `/<n>` when a protocol's jobBudget allows more than one. Each part must
 * be the envelope's own campaign, round and site, so one id names one computation: the site's
 * "at most once" rule then holds per round, and a crafted id cannot reach a file path or pose as
 * another round's job. Secure aggregation's stages of a training round are
 * `<campaignId>/r<round>/<keys|shares|unmask>/<siteId>`; a baseline model's rounds
 * `<campaignId>/baseline/<clinical|combined>/r<round>/<siteId>`. Returns what is wrong, or undefined.
 */
export function jobIdProblem(job: Pick<JobEnvelope, 'jobId' | 'campaignId' | 'siteId' | 'kind' | 'round'>): string | undefined {
  const expected = expectedJobId(job);
  const ok = job.kind === 'secure-aggregation'
    ? ['keys', 'shares', 'unmask'].some((stage) => job.jobId === `${job.campaignId}/r${job.round ?? '?'}/${stage}/${job.siteId}`)
    : job.kind === 'baseline-round'
    ? ['clinical', 'combined'].some((model) => job.jobId === `${job.campaignId}/baseline/${model}/r${job.round ?? '?'}/${job.siteId}`)
    : job.kind === 'train-round' || job.kind === 'tune-round'
    ? job.jobId === expected
    : job.jobId === expected || (job.jobId.startsWith(`${expected}/`) && /^[1-9][0-9]{0,5}$/.test(job.jobId.slice(expected.length + 1)));
  return ok ? undefined : `job id ${JSON.stringify(job.jobId.slice(0, 140))} is not the ${job.kind} job id ${JSON.stringify(expected)} of this campaign, round and site`;
}

function expectedJobId(job: Pick<JobEnvelope, 'campaignId' | 'siteId' | 'kind' | 'round'>): string {
  if (job.kind === 'train-round') return `${job.campaignId}/r${job.round ?? '?'}/${job.siteId}`;
  if (job.kind === 'tune-round') return `${job.campaignId}/tune/r${job.round ?? '?'}/${job.siteId}`;
  if (job.kind === 'evaluate') return `${job.campaignId}/eval/${job.siteId}`;
  return `${job.campaignId}/${job.kind}/${job.siteId}`;
}
