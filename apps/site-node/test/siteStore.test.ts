import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SiteStore } from '../src/siteStore.js';

const HASH = 'ab'.repeat(32);

describe('site store (the site\'s own SQLite)', () => {
  it('keeps approvals across reopening the file, and nothing else is approved', () => {
    const dir = mkdtempSync(join(tmpdir(), 'site-store-'));
    try {
      const file = join(dir, 'site.sqlite');
      const store = new SiteStore(file);
      expect(store.isApproved(HASH)).toBe(false);
      store.approve(HASH, 'dr-ops', 'reviewed protocol v1');
      store.close();
      const again = new SiteStore(file);
      expect(again.isApproved(HASH)).toBe(true);
      expect(again.isApproved('cd'.repeat(32))).toBe(false);
      expect(again.approvedProtocols()).toEqual([HASH]);
      expect(again.approval(HASH)).toMatchObject({ approvedBy: 'dr-ops', note: 'reviewed protocol v1' });
      expect(again.revokeApproval(HASH)).toBe(true);
      expect(again.isApproved(HASH)).toBe(false);
      again.close();
      // The file is plain SQLite in WAL mode: another reader sees the same rows.
      const raw = new Database(file, { readonly: true });
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      raw.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs a job id once: a second start is refused, an interrupted job is forgotten on restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'site-store-'));
    try {
      const store = new SiteStore(join(dir, 's.sqlite'));
      const job = { jobId: 'c/r1/site-a', kind: 'train-round', campaignId: 'c', protocolHash: HASH };
      expect(store.startJob(job)).toBe(true);
      expect(store.startJob(job)).toBe(false);
      expect(store.forgetUnfinishedJobs()).toBe(1);
      expect(store.startJob(job)).toBe(true);
      store.finishJob(job.jobId, 'done', '{"kind":"train-round"}');
      expect(store.forgetUnfinishedJobs()).toBe(0);
      expect(store.job(job.jobId)).toMatchObject({ status: 'done', resultJson: '{"kind":"train-round"}' });
      expect(store.recentJobs()).toEqual([expect.objectContaining({ jobId: job.jobId, status: 'done', kind: 'train-round' })]);
      store.logBlockedEgress({ schema: 'job-result', jobId: job.jobId, reasons: 'per-patient-array at /result/tensors/0', messageSha256: 'ef'.repeat(32) });
      expect(store.blockedEgress()).toEqual([expect.objectContaining({ schema: 'job-result', jobId: job.jobId, reasons: 'per-patient-array at /result/tensors/0' })]);
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
