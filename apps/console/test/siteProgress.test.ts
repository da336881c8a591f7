import { describe, expect, it } from '@jest/globals';
import { siteProgress, type CampaignOverview as CampaignStatus } from '../src/logic/siteProgress.js';
import { evaluationRows, formatInterval, metaAnalysisRows } from '../src/logic/results.js';

// Each site's jobs as campaigns.overview counts them (its coordinator test checks the counts against the job list).
const last = (siteId: string, kind: string, state: 'open' | 'done' | 'failed', round: number | null, failure?: [string, string]) => ({
  jobId: `${siteId}-${kind}-${round}`, kind, round, state, failureCode: failure?.[0] ?? null, failureMessage: failure?.[1] ?? null,
});

const status = {
  campaignId: 'c', title: 't', protocolHash: 'h', state: 'training', phase: 'training', plan: [], currentRound: 2, extractions: [], evaluations: [],
  sites: [
    { siteId: 'site-a', role: 'training', approved: true, lastSeenAt: '2026-12-01T10:00:00Z' },
    { siteId: 'site-b', role: 'training', approved: true, lastSeenAt: null },
    { siteId: 'site-c', role: 'training', approved: true, lastSeenAt: null },
    { siteId: 'site-t', role: 'test', approved: true, lastSeenAt: null },
  ],
  rounds: [
    { round: 0, state: 'closed', openedAt: '', closedAt: '', sites: ['site-a', 'site-b', 'site-c'] },
    { round: 1, state: 'closed', openedAt: '', closedAt: '', sites: ['site-a', 'site-b'] },
    { round: 2, state: 'open', openedAt: '', closedAt: null },
  ],
  siteJobs: [
    { siteId: 'site-a', total: 3, done: 2, last: last('site-a', 'train-round', 'open', 2) },
    { siteId: 'site-b', total: 3, done: 3, last: last('site-b', 'train-round', 'done', 2) },
    { siteId: 'site-c', total: 2, done: 1, last: last('site-c', 'train-round', 'failed', 1, ['TIMEOUT', 'no answer in 60 s']) },
  ],
} as unknown as CampaignStatus;

describe('campaign page: site progress and results', () => {
  it('derives each site: connected, working/done/failed with the reason, jobs done, rounds it was in (a dropout shows fewer)', () => {
    expect(siteProgress(status, ['site-a'])).toEqual([
      { siteId: 'site-a', role: 'training', connected: true, state: 'working', jobsDone: 2, jobsTotal: 3, lastSeenAt: '2026-12-01T10:00:00Z', roundsIn: 2 },
      { siteId: 'site-b', role: 'training', connected: false, state: 'done', jobsDone: 3, jobsTotal: 3, lastSeenAt: null, roundsIn: 2 },
      { siteId: 'site-c', role: 'training', connected: false, state: 'failed', jobsDone: 1, jobsTotal: 2, failure: 'train-round: TIMEOUT — no answer in 60 s', lastSeenAt: null, roundsIn: 1 },
      { siteId: 'site-t', role: 'test', connected: false, state: 'waiting', jobsDone: 0, jobsTotal: 0, lastSeenAt: null, roundsIn: 0 },
    ]);
  });

  it('formats estimates with their interval and reads per-site and pooled reports', () => {
    expect(formatInterval({ estimate: 0.81234, lower: 0.7, upper: 0.9 })).toBe('0.812 (0.700–0.900)');
    expect(formatInterval({ estimate: 0.5 })).toBe('0.500');
    expect(formatInterval(undefined)).toBe('—');
    const withReports = {
      ...status,
      evaluations: [{ siteId: 'site-t', report: { patientCount: 40, eventCount: 12, discrimination: { auc: { estimate: 0.75, lower: 0.6, upper: 0.9 } }, calibration: { slope: { estimate: 1.1 } } } }],
      metaAnalysis: { report: { metaAnalyses: [{ measure: 'auc', scale: 'logit', method: 'REML', pooled: { estimate: 0.7 } }] }, sites: ['site-t'], notes: [], createdAt: '' },
    } as unknown as CampaignStatus;
    expect(evaluationRows(withReports)).toEqual([
      { siteId: 'site-t', patients: 40, events: 12, values: { AUC: '0.750 (0.600–0.900)', 'Calibration slope': '1.100', 'Calibration-in-the-large': '—', Brier: '—' } },
    ]);
    expect(metaAnalysisRows(withReports).map((m) => m.measure)).toEqual(['auc']);
    expect(metaAnalysisRows(status)).toEqual([]);
  });
});
