import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSiteConfig } from '../src/siteConfig.js';
import Database from 'better-sqlite3';
import { readSiteStatus, withSiteStore } from '../src/siteStatus.js';
import { SiteStore } from '../src/siteStore.js';
import { generateCohorts } from './helpers.js';

// The reference is what the test itself wrote into the site's files: a 25-patient cohort, one
// approval, two jobs (one answered with an error report) and one blocked message.
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'site-status-'));
  const site = generateCohorts(join(dir, 'data'), 'site-a=25', 2).sites[0];
  writeFileSync(join(dir, 'site.yaml'), [
    'siteId: site-a',
    'coordinatorUrl: https://coordinator.example.org:8443',
    'dataRoot: .',
    'cohorts:',
    `  - { name: local, features: ${site.featuresCsv}, outcome: ${site.outcomeCsv} }`,
  ].join('\n') + '\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('site status (from the site\'s own files)', () => {
  it('lists cohorts, approvals, recent jobs with the error code a failed one answered, and the blocked-message count', () => {
    const config = loadSiteConfig(join(dir, 'site.yaml'));
    const hash = 'ab'.repeat(32);
    withSiteStore(config, (store) => {
      store.approve(hash, 'dr-ops', 'protocol v1 reviewed');
      store.startJob({ jobId: 'c/r0/site-a', kind: 'train-round', campaignId: 'c', protocolHash: hash });
      store.finishJob('c/r0/site-a', 'done', JSON.stringify({ kind: 'train-round' }));
      store.startJob({ jobId: 'c/r1/site-a', kind: 'train-round', campaignId: 'c', protocolHash: hash });
      store.finishJob('c/r1/site-a', 'failed', JSON.stringify({ type: 'error-report', code: 'TABLE_MISSING_VALUE', message: 'outcome.csv line 7: no label' }), '/srv/site-a/tables/outcome.csv line 7: no label');
      store.logBlockedEgress({ schema: 'job-result', jobId: 'c/r1/site-a', reasons: 'per-patient-array at /result/tensors/1', messageSha256: 'cd'.repeat(32) });
    });
    const status = readSiteStatus(config);
    expect(status).toMatchObject({ siteId: 'site-a', coordinatorUrl: 'https://coordinator.example.org:8443', cohorts: [{ name: 'local', patients: 25 }], blockedMessages: 1 });
    expect(status.approvals).toEqual([expect.objectContaining({ protocolHash: hash, approvedBy: 'dr-ops' })]);
    const byId = new Map(status.jobs.map((j) => [j.jobId, j]));
    expect(byId.get('c/r0/site-a')).toMatchObject({ status: 'done' });
    expect(byId.get('c/r0/site-a')?.error).toBeUndefined();
    // Issue #19.7: the site's operator sees why, with the local path, not only the code.
    expect(byId.get('c/r1/site-a')).toMatchObject({ status: 'failed', error: 'TABLE_MISSING_VALUE', reason: '/srv/site-a/tables/outcome.csv line 7: no label' });
  });

  it('a site file from before the local reason was kept gains the column and still reads', () => {
    const file = join(dir, 'old-site.sqlite');
    const old = new Database(file);
    old.exec("CREATE TABLE jobs (job_id TEXT PRIMARY KEY, kind TEXT NOT NULL, campaign_id TEXT NOT NULL, protocol_hash TEXT NOT NULL, status TEXT NOT NULL, received_at TEXT NOT NULL, finished_at TEXT, result_json TEXT)");
    old.prepare("INSERT INTO jobs VALUES ('j', 'evaluate', 'c', ?, 'failed', '2026-11-01T00:00:00Z', NULL, ?)").run('ab'.repeat(32), JSON.stringify({ type: 'error-report', code: 'COHORT_INVALID', message: 'm' }));
    old.close();
    const store = new SiteStore(file);
    try {
      expect(store.recentJobs()).toEqual([expect.objectContaining({ jobId: 'j', localReason: null })]);
    } finally {
      store.close();
    }
  });
});
