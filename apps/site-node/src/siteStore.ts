import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The site's own SQLite file: the local operator's protocol approvals, the jobs this node
 * has run (so a retried job id is answered from the stored result, never run twice), the
 * egress log of everything the guard blocked, and the query audit (which cohort every job ran
 * over, and the locked model each campaign evaluated) that the site's job policy reads.
 * Nothing in it ever leaves the site.
 */
export interface Approval {
  protocolHash: string;
  approvedAt: string;
  approvedBy: string;
  note: string | null;
}

export interface StoredJob {
  jobId: string;
  kind: string;
  protocolHash: string;
  status: 'running' | 'done' | 'failed' | 'refused';
  /** The JSON of the job-result as it was sent (or would have been), when finished. */
  resultJson: string | null;
}

/** One job the site agreed to compute, as its query audit keeps it (jobPolicy.ts). */
export interface QueryRecord {
  jobId: string;
  campaignId: string;
  protocolHash: string;
  kind: string;
  round: number | null;
  /** SHA-256 of the sorted per-patient hashes of the cohort the job ran over. */
  cohortSet: string;
  patientCount: number;
  at: string;
}

export interface EgressLogEntry {
  id: number;
  at: string;
  schema: string;
  jobId: string | null;
  reasons: string;
  messageSha256: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS approvals (
  protocol_hash TEXT PRIMARY KEY,
  approved_at   TEXT NOT NULL,
  approved_by   TEXT NOT NULL,
  note          TEXT
);
CREATE TABLE IF NOT EXISTS jobs (
  job_id        TEXT PRIMARY KEY,
  kind          TEXT NOT NULL,
  campaign_id   TEXT NOT NULL,
  protocol_hash TEXT NOT NULL,
  status        TEXT NOT NULL,
  received_at   TEXT NOT NULL,
  finished_at   TEXT,
  result_json   TEXT,
  local_reason  TEXT
);
CREATE TABLE IF NOT EXISTS egress_log (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  at             TEXT NOT NULL,
  schema         TEXT NOT NULL,
  job_id         TEXT,
  reasons        TEXT NOT NULL,
  message_sha256 TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS query_audit (
  job_id        TEXT PRIMARY KEY,
  campaign_id   TEXT NOT NULL,
  protocol_hash TEXT NOT NULL,
  kind          TEXT NOT NULL,
  round         INTEGER,
  cohort_set    TEXT NOT NULL,
  patient_count INTEGER NOT NULL,
  at            TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS query_audit_campaign ON query_audit (campaign_id, kind);
CREATE TABLE IF NOT EXISTS query_cohorts (
  cohort_set     TEXT PRIMARY KEY,
  patient_hashes TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS trajectory (
  campaign_id TEXT NOT NULL,
  round       INTEGER NOT NULL,
  state_json  TEXT NOT NULL,
  PRIMARY KEY (campaign_id, round)
);
CREATE TABLE IF NOT EXISTS exchange_trajectory (
  campaign_id TEXT NOT NULL,
  stream      TEXT NOT NULL,
  round       INTEGER NOT NULL,
  state_json  TEXT NOT NULL,
  PRIMARY KEY (campaign_id, stream, round)
);
CREATE TABLE IF NOT EXISTS secure_rounds (
  campaign_id TEXT NOT NULL,
  round       INTEGER NOT NULL,
  state_json  TEXT NOT NULL,
  PRIMARY KEY (campaign_id, round)
);
CREATE TABLE IF NOT EXISTS locked_models (
  campaign_id TEXT PRIMARY KEY,
  model_hash  TEXT NOT NULL,
  job_id      TEXT NOT NULL,
  at          TEXT NOT NULL
);
`;

export class SiteStore {
  private readonly db: Database.Database;

  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(SCHEMA);
    // Files made before local_reason existed gain the column (NULL for their jobs).
    const columns = this.db.prepare('PRAGMA table_info(jobs)').all() as Array<{ name: string }>;
    if (!columns.some((c) => c.name === 'local_reason')) this.db.exec('ALTER TABLE jobs ADD COLUMN local_reason TEXT');
  }

  close(): void {
    this.db.close();
  }

  approve(protocolHash: string, approvedBy: string, note?: string): Approval {
    const approvedAt = new Date().toISOString();
    this.db
      .prepare('INSERT INTO approvals (protocol_hash, approved_at, approved_by, note) VALUES (?, ?, ?, ?) ON CONFLICT(protocol_hash) DO NOTHING')
      .run(protocolHash, approvedAt, approvedBy, note ?? null);
    return this.approval(protocolHash)!;
  }

  revokeApproval(protocolHash: string): boolean {
    return this.db.prepare('DELETE FROM approvals WHERE protocol_hash = ?').run(protocolHash).changes > 0;
  }

  approval(protocolHash: string): Approval | undefined {
    const row = this.db.prepare('SELECT protocol_hash, approved_at, approved_by, note FROM approvals WHERE protocol_hash = ?').get(protocolHash) as
      | { protocol_hash: string; approved_at: string; approved_by: string; note: string | null }
      | undefined;
    return row && { protocolHash: row.protocol_hash, approvedAt: row.approved_at, approvedBy: row.approved_by, note: row.note };
  }

  isApproved(protocolHash: string): boolean {
    return this.approval(protocolHash) !== undefined;
  }

  approvedProtocols(): string[] {
    return (this.db.prepare('SELECT protocol_hash FROM approvals ORDER BY approved_at, protocol_hash').all() as Array<{ protocol_hash: string }>).map((r) => r.protocol_hash);
  }

  job(jobId: string): StoredJob | undefined {
    const row = this.db.prepare('SELECT job_id, kind, protocol_hash, status, result_json FROM jobs WHERE job_id = ?').get(jobId) as
      | { job_id: string; kind: string; protocol_hash: string; status: StoredJob['status']; result_json: string | null }
      | undefined;
    return row && { jobId: row.job_id, kind: row.kind, protocolHash: row.protocol_hash, status: row.status, resultJson: row.result_json };
  }

  /** The most recent jobs, newest first (for `fedrad site status`). */
  recentJobs(limit = 20): Array<StoredJob & { receivedAt: string; finishedAt: string | null; localReason: string | null }> {
    return (this.db.prepare('SELECT job_id, kind, protocol_hash, status, result_json, received_at, finished_at, local_reason FROM jobs ORDER BY received_at DESC, job_id LIMIT ?').all(limit) as Array<{
      job_id: string; kind: string; protocol_hash: string; status: StoredJob['status']; result_json: string | null; received_at: string; finished_at: string | null; local_reason: string | null;
    }>).map((r) => ({
      jobId: r.job_id, kind: r.kind, protocolHash: r.protocol_hash, status: r.status, resultJson: r.result_json, receivedAt: r.received_at, finishedAt: r.finished_at, localReason: r.local_reason,
    }));
  }

  /** Records a job as received; false when this job id was already seen (a retry). */
  startJob(job: { jobId: string; kind: string; campaignId: string; protocolHash: string }): boolean {
    const info = this.db
      .prepare("INSERT INTO jobs (job_id, kind, campaign_id, protocol_hash, status, received_at) VALUES (?, ?, ?, ?, 'running', ?) ON CONFLICT(job_id) DO NOTHING")
      .run(job.jobId, job.kind, job.campaignId, job.protocolHash, new Date().toISOString());
    return info.changes > 0;
  }

  /** Stores a job's answer; a failed job also keeps its full local reason (paths, causes), which never leaves the site. */
  finishJob(jobId: string, status: 'done' | 'failed' | 'refused', resultJson: string, localReason?: string): void {
    this.db
      .prepare('UPDATE jobs SET status = ?, finished_at = ?, result_json = ?, local_reason = ? WHERE job_id = ?')
      .run(status, new Date().toISOString(), resultJson, localReason ?? null, jobId);
  }

  /** Drops a job whose stored answer was a retryable failure, so that a retry runs it again. */
  forgetJob(jobId: string): void {
    this.db.prepare('DELETE FROM jobs WHERE job_id = ?').run(jobId);
  }

  /** A job left 'running' by a crash is forgotten so that the coordinator's retry runs it. */
  forgetUnfinishedJobs(): number {
    return this.db.prepare("DELETE FROM jobs WHERE status = 'running'").run().changes;
  }

  /** Records that a job is computed over a cohort (kept when the job later fails: the query was asked). */
  recordQuery(record: Omit<QueryRecord, 'at'>, patientHashes: readonly string[]): void {
    const at = new Date().toISOString();
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO query_cohorts (cohort_set, patient_hashes) VALUES (?, ?) ON CONFLICT(cohort_set) DO NOTHING').run(record.cohortSet, JSON.stringify(patientHashes));
      this.db
        .prepare('INSERT OR REPLACE INTO query_audit (job_id, campaign_id, protocol_hash, kind, round, cohort_set, patient_count, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(record.jobId, record.campaignId, record.protocolHash, record.kind, record.round, record.cohortSet, record.patientCount, at);
    })();
  }

  /** The jobs of a campaign in the query audit, oldest first. */
  queriesOf(campaignId: string): QueryRecord[] {
    return (this.db.prepare('SELECT * FROM query_audit WHERE campaign_id = ? ORDER BY at, job_id').all(campaignId) as Array<{
      job_id: string; campaign_id: string; protocol_hash: string; kind: string; round: number | null; cohort_set: string; patient_count: number; at: string;
    }>).map((r) => ({ jobId: r.job_id, campaignId: r.campaign_id, protocolHash: r.protocol_hash, kind: r.kind, round: r.round, cohortSet: r.cohort_set, patientCount: r.patient_count, at: r.at }));
  }

  /** Every distinct cohort any answered job ran over (any campaign), as sorted per-patient hashes. */
  queriedCohorts(): Array<{ cohortSet: string; patientHashes: string[] }> {
    return (this.db.prepare('SELECT cohort_set, patient_hashes FROM query_cohorts').all() as Array<{ cohort_set: string; patient_hashes: string }>)
      .map((r) => ({ cohortSet: r.cohort_set, patientHashes: JSON.parse(r.patient_hashes) as string[] }));
  }

  /** The training state this site verified for a campaign's round (trajectory.ts), as JSON. */
  verifiedState(campaignId: string, round: number): string | undefined {
    return (this.db.prepare('SELECT state_json FROM trajectory WHERE campaign_id = ? AND round = ?').get(campaignId, round) as { state_json: string } | undefined)?.state_json;
  }

  recordVerifiedState(campaignId: string, round: number, stateJson: string): void {
    this.db.prepare('INSERT OR REPLACE INTO trajectory (campaign_id, round, state_json) VALUES (?, ?, ?)').run(campaignId, round, stateJson);
  }

  /** The state this site verified after an exchange of a chain (the LASSO path, a baseline model's rounds; exchangeTrajectory.ts). */
  verifiedExchange(campaignId: string, stream: string, round: number): unknown {
    const row = this.db.prepare('SELECT state_json FROM exchange_trajectory WHERE campaign_id = ? AND stream = ? AND round = ?').get(campaignId, stream, round) as { state_json: string } | undefined;
    return row && (JSON.parse(row.state_json) as unknown);
  }

  recordVerifiedExchange(campaignId: string, verified: { stream: string; round: number; state: unknown }): void {
    this.db.prepare('INSERT OR REPLACE INTO exchange_trajectory (campaign_id, stream, round, state_json) VALUES (?, ?, ?, ?)').run(campaignId, verified.stream, verified.round, JSON.stringify(verified.state));
  }

  /** This site's secrets and progress in one round's secure aggregation (secureRounds.ts), as JSON; they never leave the site. */
  secureRound(campaignId: string, round: number): string | undefined {
    return (this.db.prepare('SELECT state_json FROM secure_rounds WHERE campaign_id = ? AND round = ?').get(campaignId, round) as { state_json: string } | undefined)?.state_json;
  }

  saveSecureRound(campaignId: string, round: number, stateJson: string): void {
    this.db.prepare('INSERT OR REPLACE INTO secure_rounds (campaign_id, round, state_json) VALUES (?, ?, ?)').run(campaignId, round, stateJson);
  }

  /** The locked model a campaign's evaluation is bound to, once the first evaluate job named it. */
  lockedModel(campaignId: string): { modelHash: string; jobId: string } | undefined {
    const row = this.db.prepare('SELECT model_hash, job_id FROM locked_models WHERE campaign_id = ?').get(campaignId) as { model_hash: string; job_id: string } | undefined;
    return row && { modelHash: row.model_hash, jobId: row.job_id };
  }

  /** Binds a campaign's evaluation to a model hash; the first binding stays. */
  rememberLockedModel(campaignId: string, modelHash: string, jobId: string): void {
    this.db.prepare('INSERT INTO locked_models (campaign_id, model_hash, job_id, at) VALUES (?, ?, ?, ?) ON CONFLICT(campaign_id) DO NOTHING').run(campaignId, modelHash, jobId, new Date().toISOString());
  }

  logBlockedEgress(entry: { schema: string; jobId?: string; reasons: string; messageSha256: string }): void {
    this.db
      .prepare('INSERT INTO egress_log (at, schema, job_id, reasons, message_sha256) VALUES (?, ?, ?, ?, ?)')
      .run(new Date().toISOString(), entry.schema, entry.jobId ?? null, entry.reasons, entry.messageSha256);
  }

  blockedEgress(): EgressLogEntry[] {
    return (this.db.prepare('SELECT id, at, schema, job_id, reasons, message_sha256 FROM egress_log ORDER BY id').all() as Array<{
      id: number; at: string; schema: string; job_id: string | null; reasons: string; message_sha256: string;
    }>).map((r) => ({ id: r.id, at: r.at, schema: r.schema, jobId: r.job_id, reasons: r.reasons, messageSha256: r.message_sha256 }));
  }
}
