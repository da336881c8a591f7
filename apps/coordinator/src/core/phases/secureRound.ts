import { RING, type EncryptedShares, type KeyAdvertisement, type UnmaskingShares } from '@fedrad/federation';
import type { NextRoundSecrets } from '@fedrad/protocol';
import { secureRoundUpdate, secureScale, secureThreshold } from '@fedrad/methods';
import { assertValid, type JobEnvelope, type JobResult, type SecureAggregationParams, type SecureAggregationResult, type TrainRoundParams } from '@fedrad/protocol';
import { CoordinatorError } from '../../errors.js';
import { appendAudit } from '../../store/auditLog.js';
import type { CampaignRecord } from '../campaignStore.js';
import { nowIso, type CoreContext } from '../context.js';
import { createJob, finishJob, idRange, jobsOf, jobsWithIdPrefix, prevalidatedParams, storeParams, type JobRecord } from '../jobs.js';
import { signedResultOf } from '../storedResults.js';
import type { JobKind } from './phase.js';
import type { SiteResult } from './trainingMethod.js';
import { trainingSettings } from './trainingSettings.js';
import { siteCertificate } from './transcript.js';

/**
 * A training round under the protocol's secure aggregation (Bonawitz et al. 2017, §4; the sites'
 * half is apps/site-node's secureRounds.ts): four stages, each one job per site, each opened when
 * the previous one is in — every site answered or failed, or the round's deadline passed with at
 * least the Shamir threshold t of answers:
 *
 *   keys     every training site advertises two public keys (U1);
 *   shares   each site of U1 gets every advertisement as its site signed it, and answers with its
 *            Shamir shares encrypted to each peer (the coordinator relays what it cannot read);
 *   masked   each site whose shares came (U2) gets the round's train-round job with the shares
 *            addressed to it, and answers with its update masked on the ring;
 *   unmask   each site whose masked update came (U3) reveals its shares of the survivors' self
 *            masks and of the dropped sites' keys; t answers rebuild the sum of U3's updates.
 *
 * Pipelined rounds: each masked update also carries its site's masking key and encrypted shares
 * for round r + 1 (nextRound; federation's prepareNextRound), and when every site of the round's
 * roster sent one, the unmask stage relays to each survivor the shares addressed to it. When every
 * one of them also answered the unmask stage, round r + 1 skips keys and shares: it opens at its
 * masked stage, the train-round jobs carrying round r's signed masked forms (the trajectory check,
 * which also gives each site round r + 1's roster and keys). A round is then two exchanges, not four;
 * the keys and shares stages run at the campaign's first secure round and after any round where a
 * site dropped out or did not answer its unmask job (a fresh key setup, which the dropped site can
 * rejoin). Masking keys and self-mask seeds stay fresh per round (doubleMasking.ts says why).
 *
 * Everything a stage needs is read from the store (the jobs and their signed results), so a
 * coordinator killed at any point resumes the round where its last commit left it; the sites keep
 * their secrets and answer a resent job with their stored answer.
 */
export type SecureStage = 'keys' | 'shares' | 'masked' | 'unmask';
const NEXT: Record<Exclude<SecureStage, 'unmask'>, SecureStage> = { keys: 'shares', shares: 'masked', masked: 'unmask' };
export const SECURE_KIND = 'secure-aggregation';

/** The phase input that opens a stage of the current round (rather than a new round). */
export interface SecureStageInput {
  secureStage: Exclude<SecureStage, 'keys'>;
}

export const isSecureStageInput = (input: unknown): input is SecureStageInput => typeof (input as SecureStageInput | undefined)?.secureStage === 'string';

const stageOfJob = (job: Pick<JobRecord, 'jobId' | 'kind'>): SecureStage => (job.kind === 'train-round' ? 'masked' : (job.jobId.split('/').at(-2) as SecureStage));

/** The jobs of one stage of a round: the masked stage's by kind, the others by their ids' prefix. */
function stageJobs(ctx: CoreContext, campaignId: string, round: number, stage: SecureStage): JobRecord[] {
  return stage === 'masked' ? jobsOf(ctx, campaignId, { round, kind: 'train-round' }) : jobsWithIdPrefix(ctx, stagePrefix(campaignId, round, stage));
}

/** What every id of a (non-masked) stage's jobs starts with (jobIdOf). */
const stagePrefix = (campaignId: string, round: number, stage: Exclude<SecureStage, 'masked'>) => `${campaignId}/r${round}/${stage}/`;

/**
 * The SQL condition that picks one stage's jobs of a round, and its arguments: the masked stage's
 * train-round jobs on the (campaign, round, kind, state) index, the others as a range of the
 * primary key (their ids name the stage). The unary + keeps SQLite from scanning the round's
 * secure-aggregation jobs on the index instead (3n rows, where the range reads n).
 */
function stageFilter(campaignId: string, round: number, stage: SecureStage): [string, unknown[]] {
  if (stage === 'masked') return ["campaign_id = ? AND round = ? AND kind = 'train-round'", [campaignId, round]];
  return ['job_id >= ? AND job_id < ? AND +campaign_id = ? AND +round = ?', [...idRange(stagePrefix(campaignId, round, stage)), campaignId, round]];
}

/**
 * The stage the round is in: the latest whose jobs exist. Asked after every result (staleness,
 * readiness), so it is at most three index probes, not a pass over the round's job rows.
 */
export function currentStage(ctx: CoreContext, campaignId: string, round: number): SecureStage {
  for (const stage of ['unmask', 'masked', 'shares'] as const) {
    const [where, args] = stageFilter(campaignId, round, stage);
    if (ctx.db.prepare(`SELECT 1 FROM jobs WHERE ${where} LIMIT 1`).get(...args) !== undefined) return stage;
  }
  return 'keys';
}

/** How many of the stage's jobs are open and done. */
function stageCounts(ctx: CoreContext, campaignId: string, round: number, stage: SecureStage): { open: number; done: number } {
  const [where, args] = stageFilter(campaignId, round, stage);
  const row = ctx.db.prepare(`SELECT SUM(state = 'open') AS open, SUM(state = 'done') AS done FROM jobs WHERE ${where}`).get(...args) as { open: number | null; done: number | null };
  return { open: row.open ?? 0, done: row.done ?? 0 };
}

function jobIdOf(campaignId: string, siteId: string, round: number, stage: Exclude<SecureStage, 'masked'>): string {
  return `${campaignId}/r${round}/${stage}/${siteId}`;
}

/** The body of a done job's signed result, with its signed text for relaying. */
function answerOf<T>(ctx: CoreContext, campaignId: string, job: JobRecord): { body: T; signed: string; signature: string } {
  const row = ctx.db.prepare('SELECT nonce FROM results WHERE job_id = ? AND is_error = 0 ORDER BY seq DESC LIMIT 1').get(job.jobId) as { nonce: string };
  const stored = signedResultOf(ctx, row.nonce)!;
  return { body: (JSON.parse(stored.signed) as JobResult).result as T, signed: stored.signed, signature: stored.signature };
}

function stageParams(campaign: CampaignRecord, round: number, stage: Exclude<SecureStage, 'masked'>, extra: Partial<SecureAggregationParams> = {}): SecureAggregationParams {
  return { kind: SECURE_KIND, round, stage, threshold: secureThreshold(campaign.protocol), scale: secureScale(campaign.protocol), ...extra };
}

/** Creates one stage job per site; the params are shared when they are the same for every site. */
function createStageJobs(ctx: CoreContext, campaign: CampaignRecord, round: number, stage: Exclude<SecureStage, 'masked'>, sites: readonly string[], params: SecureAggregationParams): JobEnvelope[] {
  const json = JSON.stringify(params);
  const valid = assertValid<SecureAggregationParams>('secure-aggregation-params', JSON.parse(json), `Round ${round} ${stage} parameters`);
  prevalidatedParams.add(valid);
  const hash = storeParams(ctx, json, valid);
  const { deadlineSeconds } = trainingSettings(campaign.protocol);
  return sites.map((siteId) =>
    createJob(ctx, { jobId: jobIdOf(campaign.campaignId, siteId, round, stage), campaignId: campaign.campaignId, protocolHash: campaign.protocolHash, siteId, kind: SECURE_KIND, round, params: valid, paramsHash: hash }, deadlineSeconds),
  );
}

type TrainJobs = (sites: readonly string[], masking: (siteId: string) => NonNullable<TrainRoundParams['secureAggregation']>) => JobEnvelope[];

/**
 * Opens a secure round: pipelined (its masked stage at once, for round r − 1's roster, each job
 * carrying round r − 1's signed masked forms) when round r − 1 prepared it, else stage 'keys', one
 * job per training site, which from round 1 on carries the same transcript. Either way each site
 * checks round r's parameters from it.
 */
export function openSecureRound(ctx: CoreContext, campaign: CampaignRecord, round: number, sites: readonly string[], trainJobs: TrainJobs): JobEnvelope[] {
  const transcript = round > 0 ? maskedTranscript(ctx, campaign, round - 1) : undefined;
  const roster = round > 0 ? pipelinedRoster(ctx, campaign, round - 1) : undefined;
  if (roster && transcript) {
    const masking = { peers: roster, scale: secureScale(campaign.protocol), threshold: secureThreshold(campaign.protocol), transcript };
    return trainJobs(roster, () => masking);
  }
  return createStageJobs(ctx, campaign, round, 'keys', sites, stageParams(campaign, round, 'keys', transcript ? { transcript } : {}));
}

/**
 * Round `round`'s survivors when they prepared round + 1 together: every site of its roster sent
 * its masked update (with its next-round keys, relayed with the unmask stage) and answered its
 * unmask job, so each holds every other's shares for round + 1. Undefined otherwise.
 */
function pipelinedRoster(ctx: CoreContext, campaign: CampaignRecord, round: number): string[] | undefined {
  const id = campaign.campaignId;
  const unmask = stageJobs(ctx, id, round, 'unmask');
  if (unmask.length === 0 || unmask.some((j) => j.state !== 'done' || (j.params as SecureAggregationParams).inbound === undefined)) return undefined;
  const roster = maskRoster(ctx, id, round);
  const sites = unmask.map((j) => j.siteId).sort();
  return sites.length === roster.length && sites.every((s, i) => s === roster[i]) ? sites : undefined;
}

/** The sites a round's masks were made for (U2): a key-setup round's sites that answered the shares stage, a pipelined round's train-round jobs. */
function maskRoster(ctx: CoreContext, campaignId: string, round: number): string[] {
  const keyed = stageJobs(ctx, campaignId, round, 'keys').length > 0;
  return (keyed ? stageJobs(ctx, campaignId, round, 'shares').filter((j) => j.state === 'done') : stageJobs(ctx, campaignId, round, 'masked')).map((j) => j.siteId).sort();
}

/** The masking key of each site of a round's roster: its keys answer, or (a pipelined round) the nextRound of its masked update of the round before. */
function maskingKeysOf(ctx: CoreContext, campaignId: string, round: number): Array<Pick<KeyAdvertisement, 'siteId' | 'maskingKey'>> {
  const keyed = stageJobs(ctx, campaignId, round, 'keys').filter((j) => j.state === 'done');
  if (keyed.length > 0) return keyed.map((j) => answerOf<SecureAggregationResult>(ctx, campaignId, j).body.advertisement!);
  const roster = new Set(maskRoster(ctx, campaignId, round));
  return stageJobs(ctx, campaignId, round - 1, 'masked')
    .filter((j) => j.state === 'done' && roster.has(j.siteId))
    .map((j) => ({ siteId: j.siteId, maskingKey: nextMaskingKeyOf(ctx, j) }));
}

/** The next-round masking key a done masked update sent: SQLite reads the one field, not the n − 1 shares beside it. */
function nextMaskingKeyOf(ctx: CoreContext, job: JobRecord): string {
  const row = ctx.db.prepare("SELECT json_extract(signed_json, '$.result.nextRound.maskingKey') AS key FROM results WHERE job_id = ? AND is_error = 0 ORDER BY seq DESC LIMIT 1").get(job.jobId) as { key: unknown } | undefined;
  if (typeof row?.key !== 'string') throw new CoordinatorError('CAMPAIGN_STATE', `The masked update of job ${job.jobId} carries no next-round masking key, which its round's pipelined roster needs`, { campaignId: job.campaignId, siteId: job.siteId });
  return row.key;
}

/** What a done masked update sent for the next round, read from its stored signed shell (not its tensors). */
function nextRoundOf(ctx: CoreContext, job: JobRecord): NextRoundSecrets | undefined {
  const row = ctx.db.prepare('SELECT signed_json FROM results WHERE job_id = ? AND is_error = 0 ORDER BY seq DESC LIMIT 1').get(job.jobId) as { signed_json: string } | undefined;
  return row ? (JSON.parse(row.signed_json) as { result?: { nextRound?: NextRoundSecrets } }).result?.nextRound : undefined;
}

/** Round `round`'s signed key advertisements, masked updates and unmasking answers, and who exchanged shares and who failed. */
function maskedTranscript(ctx: CoreContext, campaign: CampaignRecord, round: number): NonNullable<SecureAggregationParams['transcript']> {
  const id = campaign.campaignId;
  const relayed = (j: JobRecord, what: string) => {
    const { signed, signature } = answerOf(ctx, id, j);
    return { signed, signature, certificatePem: siteCertificate(ctx, j.siteId, what) };
  };
  const done = (stage: SecureStage) => stageJobs(ctx, id, round, stage).filter((j) => j.state === 'done');
  return {
    round,
    advertisements: done('keys').map((j) => relayed(j, `its key advertisement of round ${round}`)),
    exchanged: maskRoster(ctx, id, round),
    masked: done('masked').map((j) => relayed(j, `its masked update of round ${round}`)),
    unmasking: done('unmask').map((j) => relayed(j, `its unmasking shares of round ${round}`)),
    failures: stageJobs(ctx, id, round, 'masked').filter((j) => j.state === 'failed').map((j) => j.siteId),
  };
}

/**
 * Opens the next stage of the current round; 'masked' asks `trainJobs` for the round's train-round
 * jobs, given each site's secure-aggregation params.
 */
export function openStage(
  ctx: CoreContext,
  campaign: CampaignRecord,
  round: number,
  stage: SecureStageInput['secureStage'],
  trainJobs: TrainJobs,
): JobEnvelope[] {
  const id = campaign.campaignId;
  if (stage === 'shares') {
    const keys = stageJobs(ctx, id, round, 'keys').filter((j) => j.state === 'done');
    const advertisements = keys.map((j) => {
      const { signed, signature } = answerOf<SecureAggregationResult>(ctx, id, j);
      return { signed, signature, certificatePem: siteCertificate(ctx, j.siteId, `its key advertisement of round ${round}`) };
    });
    return createStageJobs(ctx, campaign, round, 'shares', keys.map((j) => j.siteId), stageParams(campaign, round, 'shares', { advertisements }));
  }
  if (stage === 'masked') {
    const shared = stageJobs(ctx, id, round, 'shares').filter((j) => j.state === 'done');
    const exchanged = shared.map((j) => j.siteId);
    const messages = shared.flatMap((j) => answerOf<SecureAggregationResult>(ctx, id, j).body.shares ?? []);
    const threshold = secureThreshold(campaign.protocol);
    const scale = secureScale(campaign.protocol);
    // Each site's inbound messages, gathered in one pass (a filter per site read all n (n − 1) messages n times).
    const senders = new Set(exchanged);
    const inbound = new Map<string, EncryptedShares[]>(exchanged.map((siteId) => [siteId, []]));
    for (const m of messages) if (senders.has(m.from)) inbound.get(m.to)?.push(m);
    return trainJobs(exchanged, (siteId) => ({ peers: exchanged, scale, threshold, inbound: inbound.get(siteId)! }));
  }
  const maskedJobs = stageJobs(ctx, id, round, 'masked').filter((j) => j.state === 'done');
  const survivors = maskedJobs.map((j) => j.siteId);
  const inbound = nextRoundInbound(ctx, maskRoster(ctx, id, round), maskedJobs);
  if (!inbound) return createStageJobs(ctx, campaign, round, 'unmask', survivors, stageParams(campaign, round, 'unmask', { survivors }));
  return survivors.flatMap((siteId) => createStageJobs(ctx, campaign, round, 'unmask', [siteId], stageParams(campaign, round, 'unmask', { survivors, inbound: inbound.get(siteId)! })));
}

/**
 * Each survivor's share messages for the next round (the others' nextRound shares addressed to
 * it), when the next round can be pipelined: every site of the roster sent its masked update, each
 * with one message from it to every other site of the roster. Undefined otherwise: the next round
 * sets up its keys again, so nothing is relayed.
 */
function nextRoundInbound(ctx: CoreContext, roster: readonly string[], maskedJobs: readonly JobRecord[]): Map<string, EncryptedShares[]> | undefined {
  if (maskedJobs.length !== roster.length) return undefined;
  const inbound = new Map<string, EncryptedShares[]>(roster.map((s) => [s, []]));
  for (const j of maskedJobs) {
    const shares = nextRoundOf(ctx, j)?.shares;
    if (!shares || shares.length !== roster.length - 1) return undefined;
    for (const m of shares) {
      const box = inbound.get(m.to);
      if (m.from !== j.siteId || m.to === j.siteId || !box) return undefined;
      box.push(m);
    }
  }
  return [...inbound.values()].every((box) => box.length === roster.length - 1) ? inbound : undefined;
}

/** Whether the round's current stage can close: no job of it open, or the deadline passed with t answers in. */
export function stageReady(ctx: CoreContext, campaign: CampaignRecord, round: number, deadline: string): boolean {
  const { open, done } = stageCounts(ctx, campaign.campaignId, round, currentStage(ctx, campaign.campaignId, round));
  if (open === 0) return true;
  return nowIso(ctx) >= deadline && done >= trainingSettings(campaign.protocol).quorum;
}

/**
 * Closes a stage before 'unmask': late sites become stragglers (they dropped out), and the next
 * stage opens — or the round fails when fewer than t sites are left, since no sum could be unmasked.
 */
export function closeStage(ctx: CoreContext, campaign: CampaignRecord, round: number): { next: SecureStageInput } | { code: string; message: string } {
  const stage = currentStage(ctx, campaign.campaignId, round) as Exclude<SecureStage, 'unmask'>;
  const jobs = stageJobs(ctx, campaign.campaignId, round, stage);
  const done = jobs.filter((j) => j.state === 'done').length;
  const needed = trainingSettings(campaign.protocol).quorum;
  if (done < needed) {
    const failed = jobs.filter((j) => j.state === 'failed').map((j) => `${j.siteId}: ${j.failureCode}`);
    return { code: 'QUORUM_NOT_MET', message: `Round ${round}'s secure-aggregation ${stage} stage ended with ${done} answer(s); ${needed} are needed to unmask the sum. Failed sites: ${failed.join(', ') || 'none'}` };
  }
  dropStragglers(ctx, campaign, round, jobs);
  return { next: { secureStage: NEXT[stage] as SecureStageInput['secureStage'] } };
}

function dropStragglers(ctx: CoreContext, campaign: CampaignRecord, round: number, jobs: readonly JobRecord[]): void {
  const now = nowIso(ctx);
  for (const j of jobs.filter((x) => x.state === 'open')) {
    finishJob(ctx, j.jobId, 'failed', { code: 'STRAGGLER', message: `Round ${round}'s ${stageOfJob(j)} stage closed before ${j.siteId} answered` });
    appendAudit(ctx.db, { event: 'job.straggler', actor: 'coordinator', campaignId: campaign.campaignId, siteId: j.siteId, details: { jobId: j.jobId, round } }, now);
  }
}

/**
 * The unmask stage's close: the sum of the survivors' masked updates (U3) rebuilt from t sites'
 * shares, handed to the aggregate as one update (updateFromSecureSum). Throws (an AggregationError
 * naming the round) when fewer than t sites revealed their shares.
 */
export function unmaskedResults(ctx: CoreContext, campaign: CampaignRecord, round: number, masked: readonly SiteResult[]): { results: SiteResult[]; survivors: string[] } {
  const id = campaign.campaignId;
  const unmaskJobs = stageJobs(ctx, id, round, 'unmask');
  dropStragglers(ctx, campaign, round, unmaskJobs);
  const advertisements = maskingKeysOf(ctx, id, round);
  const exchanged = maskRoster(ctx, id, round);
  const responses: UnmaskingShares[] = unmaskJobs.filter((j) => j.state === 'done').map((j) => {
    const body = answerOf<SecureAggregationResult>(ctx, id, j).body;
    return { from: j.siteId, selfMask: body.selfMask ?? {}, maskingKey: body.maskingKey ?? {} };
  });
  return { results: [secureRoundUpdate(campaign.protocol, round, { advertisements, exchanged, masked, responses })], survivors: masked.map((r) => r.siteId) };
}

/** A masked update is ring elements: integers in [0, 2^48), nothing else (fixedPoint.ts). */
export function maskedUpdateProblem(update: { masked?: boolean; tensors: Array<{ name: string; data: ArrayLike<number> }> }): string | undefined {
  if (update.masked !== true) return 'the protocol asks for secure aggregation and this update is not masked';
  for (const t of update.tensors) {
    for (let i = 0; i < t.data.length; i++) {
      const v = t.data[i];
      if (!Number.isInteger(v) || v < 0 || v >= RING) return `tensor "${t.name}" holds ${v} at index ${i}, not an element of the ring Z/2^48`;
    }
  }
  return undefined;
}

// The shares stage's params are one object for every site of the round: its roster is read once.
const rosters = new WeakMap<object, Set<string | undefined>>();
function rosterOf(params: SecureAggregationParams): Set<string | undefined> {
  let roster = rosters.get(params);
  if (!roster) rosters.set(params, (roster = new Set((params.advertisements ?? []).map((a) => (JSON.parse(a.signed) as JobResult & { result: SecureAggregationResult }).result.advertisement?.siteId))));
  return roster;
}

/** The secure-aggregation job: the keys, shares and unmask stages of a training round. */
export const secureAggregationJob: JobKind = {
  kind: SECURE_KIND,
  // The round's first stage; each later stage's id names that stage (jobIdOf).
  jobId: (campaignId, siteId, round) => jobIdOf(campaignId, siteId, round ?? 0, 'keys'),
  attempts: (protocol) => trainingSettings(protocol),
  stale(ctx, campaign, job) {
    const open = ctx.db.prepare("SELECT 1 FROM rounds WHERE campaign_id = ? AND round = ? AND state = 'open'").get(job.campaignId, job.round) !== undefined;
    if (!open || campaign.currentRound !== job.round || currentStage(ctx, job.campaignId, job.round!) !== stageOfJob(job)) {
      return { code: 'STALE_ROUND', message: `Round ${job.round} of ${job.campaignId} is past its ${stageOfJob(job)} stage; the answer can no longer count` };
    }
    return undefined;
  },
  check(_campaign, job, body) {
    const answer = body as unknown as SecureAggregationResult;
    const stage = stageOfJob(job);
    const bad = (what: string) => ({ code: 'UPDATE_INVALID' as const, message: `${job.siteId}'s answer to ${job.jobId}: ${what}` });
    if (answer.kind !== SECURE_KIND || answer.round !== job.round || answer.stage !== stage) return bad(`it answers the ${answer.stage} stage of round ${answer.round}`);
    if (stage === 'keys' && answer.advertisement?.siteId !== job.siteId) return bad("it holds no key advertisement of the site's own");
    if (stage === 'shares') {
      const roster = rosterOf(job.params as SecureAggregationParams);
      const messages: EncryptedShares[] = answer.shares ?? [];
      if (messages.length !== roster.size - 1 || messages.some((m) => m.from !== job.siteId || !roster.has(m.to) || m.to === job.siteId)) return bad('its shares are not one message from it to each other site of the roster');
    }
    if (stage === 'unmask' && (!answer.selfMask || !answer.maskingKey)) return bad('it reveals no shares');
    return undefined;
  },
  acceptedEvent: 'result-accepted',
};
