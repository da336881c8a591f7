import { randomBytes } from 'node:crypto';
import { sha256Hex, type JobEnvelope } from '@fedrad/protocol';
import { appendAudit } from '../store/auditLog.js';
import { nowIso, type CoreContext } from './context.js';

export interface JobRecord {
  jobId: string;
  campaignId: string;
  siteId: string;
  kind: JobEnvelope['kind'];
  round: number | null;
  state: 'open' | 'done' | 'failed';
  attempt: number;
  params: JobEnvelope['params'];
  failureCode: string | null;
  failureMessage: string | null;
}

interface JobRow {
  job_id: string;
  campaign_id: string;
  site_id: string;
  kind: JobEnvelope['kind'];
  round: number | null;
  state: JobRecord['state'];
  attempt: number;
  params_hash: string;
  failure_code: string | null;
  failure_message: string | null;
}

// Parsed params by hash (immutable once stored); a round's sites share one entry. Bounded by the
// size of the params' JSON, not by a count: a secure round's masked stage gives each of its n sites
// distinct params (the shares addressed to it), and a count of 32 made every result of that stage
// parse its params again. 64 MiB of JSON holds a 100-site masked stage (about 5 MB) many times over.
const paramsCache = new Map<string, { params: JobEnvelope['params']; bytes: number }>();
const PARAMS_CACHE_BYTES = 64 * 1024 * 1024;
let paramsCacheBytes = 0;

function rememberParams(hash: string, params: JobEnvelope['params'], bytes: number): void {
  if (paramsCache.has(hash) || bytes > PARAMS_CACHE_BYTES) return;
  for (const [oldest, entry] of paramsCache) {
    if (paramsCacheBytes + bytes <= PARAMS_CACHE_BYTES) break;
    paramsCache.delete(oldest);
    paramsCacheBytes -= entry.bytes;
  }
  paramsCache.set(hash, { params, bytes });
  paramsCacheBytes += bytes;
}

function paramsByHash(ctx: CoreContext, hash: string): JobEnvelope['params'] {
  const cached = paramsCache.get(hash);
  if (cached) return cached.params;
  const row = ctx.db.prepare('SELECT params_json FROM job_params WHERE params_hash = ?').get(hash) as { params_json: string };
  const params = JSON.parse(row.params_json) as JobEnvelope['params'];
  rememberParams(hash, params, row.params_json.length);
  return params;
}

// params can be large (a model's parameters): loaded only when asked for.
const toJob = (ctx: CoreContext, r: JobRow): JobRecord => {
  return {
    jobId: r.job_id,
    campaignId: r.campaign_id,
    siteId: r.site_id,
    kind: r.kind,
    round: r.round,
    state: r.state,
    attempt: r.attempt,
    get params() {
      return paramsByHash(ctx, r.params_hash);
    },
    failureCode: r.failure_code,
    failureMessage: r.failure_message,
  };
};

/** Params objects already validated against their schema when the job was made (skips re-validation on send). */
export const prevalidatedParams = new WeakSet<object>();

export interface AttemptRecord {
  jobId: string;
  attempt: number;
  nonce: string;
  deadline: string;
  consumedAt: string | null;
}

export function findJob(ctx: CoreContext, jobId: string): JobRecord | undefined {
  const row = ctx.db.prepare('SELECT * FROM jobs WHERE job_id = ?').get(jobId) as JobRow | undefined;
  return row ? toJob(ctx, row) : undefined;
}

export function jobsOf(ctx: CoreContext, campaignId: string, filter: { round?: number; kind?: JobEnvelope['kind'] } = {}): JobRecord[] {
  let sql = 'SELECT * FROM jobs WHERE campaign_id = ?';
  const args: unknown[] = [campaignId];
  if (filter.round !== undefined) (sql += ' AND round = ?'), args.push(filter.round);
  if (filter.kind) (sql += ' AND kind = ?'), args.push(filter.kind);
  return (ctx.db.prepare(sql + ' ORDER BY site_id').all(...args) as JobRow[]).map((r) => toJob(ctx, r));
}

export function findAttempt(ctx: CoreContext, jobId: string, attempt: number): AttemptRecord | undefined {
  const r = ctx.db.prepare('SELECT * FROM job_attempts WHERE job_id = ? AND attempt = ?').get(jobId, attempt) as
    | { job_id: string; attempt: number; nonce: string; deadline: string; consumed_at: string | null }
    | undefined;
  return r ? { jobId: r.job_id, attempt: r.attempt, nonce: r.nonce, deadline: r.deadline, consumedAt: r.consumed_at } : undefined;
}

function newAttempt(ctx: CoreContext, jobId: string, attempt: number, deadlineSeconds: number): { nonce: string; deadline: string } {
  const now = ctx.clock();
  const nonce = randomBytes(32).toString('hex');
  const deadline = new Date(now.getTime() + deadlineSeconds * 1000).toISOString();
  ctx.db.prepare('INSERT INTO job_attempts (job_id, attempt, nonce, deadline, issued_at) VALUES (?, ?, ?, ?, ?)').run(jobId, attempt, nonce, deadline, now.toISOString());
  return { nonce, deadline };
}

/**
 * Stores a params document once under its SHA-256 and returns the hash. Call inside a transaction.
 * `parsed`, when given, is JSON.parse(paramsJson) already in hand: the jobs' checks read it from the
 * cache instead of parsing the stored text again.
 */
export function storeParams(ctx: CoreContext, paramsJson: string, parsed?: JobEnvelope['params']): string {
  const paramsHash = sha256Hex(paramsJson);
  ctx.db.prepare('INSERT INTO job_params (params_hash, params_json) VALUES (?, ?) ON CONFLICT(params_hash) DO NOTHING').run(paramsHash, paramsJson);
  if (parsed) rememberParams(paramsHash, parsed, paramsJson.length);
  return paramsHash;
}

/** The jobs whose id starts with `prefix` (a phase's ids name their stage: a primary-key range, no scan), by site. */
export function jobsWithIdPrefix(ctx: CoreContext, prefix: string): JobRecord[] {
  return (ctx.db.prepare('SELECT * FROM jobs WHERE job_id >= ? AND job_id < ? ORDER BY site_id').all(...idRange(prefix)) as JobRow[]).map((r) => toJob(ctx, r));
}

/** [prefix, the first string after every string that starts with prefix) in SQLite's binary text order. */
export function idRange(prefix: string): [string, string] {
  const last = prefix.charCodeAt(prefix.length - 1);
  return [prefix, prefix.slice(0, -1) + String.fromCharCode(last + 1)];
}

/**
 * Creates a job with its first attempt (fresh nonce, deadline) and returns its envelope. Call
 * inside a transaction. `jobId` is the idempotent id its phase gives it (SITE_CHANNEL.md §3).
 * `paramsHash` may be given when many jobs share params already stored with storeParams (a
 * round's sites: hashed and written once, not once per site).
 */
export function createJob(
  ctx: CoreContext,
  job: { jobId: string; campaignId: string; protocolHash: string; siteId: string; kind: JobEnvelope['kind']; round?: number; params: JobEnvelope['params']; paramsHash?: string },
  deadlineSeconds: number,
): JobEnvelope {
  const { jobId } = job;
  const at = nowIso(ctx);
  const paramsHash = job.paramsHash ?? storeParams(ctx, JSON.stringify(job.params));
  ctx.db
    .prepare(
      "INSERT INTO jobs (job_id, campaign_id, site_id, kind, round, state, attempt, params_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'open', 1, ?, ?, ?)",
    )
    .run(jobId, job.campaignId, job.siteId, job.kind, job.round ?? null, paramsHash, at, at);
  const { nonce, deadline } = newAttempt(ctx, jobId, 1, deadlineSeconds);
  return {
    type: 'job',
    jobId,
    campaignId: job.campaignId,
    protocolHash: job.protocolHash,
    siteId: job.siteId,
    kind: job.kind,
    attempt: 1,
    ...(job.round !== undefined ? { round: job.round } : {}),
    deadline,
    nonce,
    params: job.params,
  };
}

/** Retries a job: same id, attempt + 1, fresh nonce and deadline. Call inside a transaction. */
export function retryJob(ctx: CoreContext, jobId: string, deadlineSeconds: number, reason: string): void {
  const job = findJob(ctx, jobId)!;
  const attempt = job.attempt + 1;
  ctx.db.prepare('UPDATE jobs SET attempt = ?, updated_at = ? WHERE job_id = ?').run(attempt, nowIso(ctx), jobId);
  newAttempt(ctx, jobId, attempt, deadlineSeconds);
  appendAudit(ctx.db, { event: 'job.retry', actor: 'coordinator', campaignId: job.campaignId, siteId: job.siteId, details: { jobId, attempt, reason } }, nowIso(ctx));
  ctx.emit?.({ campaignId: job.campaignId, type: 'job-retried', at: nowIso(ctx), siteId: job.siteId, round: job.round ?? undefined, detail: { jobId, attempt, reason } });
}

export function finishJob(ctx: CoreContext, jobId: string, state: 'done' | 'failed', failure?: { code: string; message: string }): void {
  ctx.db
    .prepare('UPDATE jobs SET state = ?, failure_code = ?, failure_message = ?, updated_at = ? WHERE job_id = ?')
    .run(state, failure?.code ?? null, failure?.message ?? null, nowIso(ctx), jobId);
}

/** The envelope of a job's current attempt, as stored (re-sending it is idempotent). */
export function envelopeOf(ctx: CoreContext, job: JobRecord, protocolHash: string): JobEnvelope {
  const a = findAttempt(ctx, job.jobId, job.attempt)!;
  return {
    type: 'job',
    jobId: job.jobId,
    campaignId: job.campaignId,
    protocolHash,
    siteId: job.siteId,
    kind: job.kind,
    attempt: job.attempt,
    ...(job.round !== null ? { round: job.round } : {}),
    deadline: a.deadline,
    nonce: a.nonce,
    params: job.params,
  };
}

/** Current attempts of a site's open jobs whose deadline has not passed: what to send on (re)connect. */
export function openEnvelopesForSite(ctx: CoreContext, siteId: string): JobEnvelope[] {
  const rows = ctx.db
    .prepare(
      `SELECT j.*, c.protocol_hash FROM jobs j JOIN campaigns c ON c.campaign_id = j.campaign_id
       JOIN job_attempts a ON a.job_id = j.job_id AND a.attempt = j.attempt
       WHERE j.site_id = ? AND j.state = 'open' AND a.deadline > ? ORDER BY j.created_at, j.job_id`,
    )
    .all(siteId, nowIso(ctx)) as Array<JobRow & { protocol_hash: string }>;
  return rows.map((r) => envelopeOf(ctx, toJob(ctx, r), r.protocol_hash));
}
