import { assertValid, canonicalHash, withStepSettings, type CampaignProtocol, type JobEnvelope, type Tensor, type TrainRoundParams } from '@fedrad/protocol';
import { appendAudit } from '../../store/auditLog.js';
import { setCurrentRound, type CampaignRecord } from '../campaignStore.js';
import { nowIso, type CoreContext } from '../context.js';
import { createJob, finishJob, jobsOf, prevalidatedParams, storeParams } from '../jobs.js';
import { float64sOf } from '../resultWire.js';
import { harmonizationHashOf } from './harmonization.js';
import type { JobKind, Phase } from './phase.js';
import { privacySpent } from './privacySpent.js';
import { effectiveProtocol } from './stepSettings.js';
import { trainingMethod, type Json, type SiteFailure, type SiteResult, type TensorView, type TrainingMethod, type TrainingState, type UpdateView } from './trainingMethod.js';
import { trainingSettings } from './trainingSettings.js';
import { roundTranscript } from './transcript.js';
import { closeStage, currentStage, isSecureStageInput, maskedUpdateProblem, openSecureRound, openStage, secureAggregationJob, stageReady, unmaskedResults, type SecureStageInput } from './secureRound.js';

/** What training hands to the next step: the final parameters and how they were reached. */
export interface TrainedModel {
  parameters: Tensor[];
  roundsRun: number;
  sampleCount: number;
  converged: boolean;
}

const KIND = 'train-round';

// A locked protocol's method is built once (the store hands out one protocol object per hash),
// from the protocol with the selection's features and the tuning's λ and α (stepSettings.ts): from
// the store when a round opens, from a round's own params (which the coordinator made from the same
// store) when a result arrives first after a restart.
const methods = new WeakMap<object, TrainingMethod>();
function methodOf(campaign: CampaignRecord, effective: () => CampaignProtocol): TrainingMethod {
  let method = methods.get(campaign.protocol);
  if (!method) methods.set(campaign.protocol, (method = trainingMethod(effective())));
  return method;
}
const fromStore = (ctx: CoreContext, campaign: CampaignRecord) => () => effectiveProtocol(ctx, campaign);
const fromParams = (campaign: CampaignRecord, params: TrainRoundParams) => () =>
  withStepSettings(campaign.protocol, { features: params.features, lambda: params.model.lambda, alpha: params.model.alpha });

/** A stored model update for aggregation: the small shell parsed, tensor data as Float64 views of the blob (no number parsing). */
export function storedUpdate(shell: string, blob: Buffer | null): UpdateView {
  const update = (JSON.parse(shell) as { result: UpdateView }).result;
  if (!blob) return update; // a row written before tensors were stored as Float64 (schema v1)
  const values = float64sOf(blob);
  let offset = 0;
  for (const t of update.tensors as Array<TensorView & { f64le?: number }>) {
    // The shell holds each tensor's value count where its data (or packed f64le) was.
    const n = (t.f64le ?? t.data) as unknown as number;
    delete t.f64le;
    t.data = values.subarray(offset, offset + n);
    offset += n;
  }
  return update;
}

interface RoundRow {
  campaign_id: string;
  round: number;
  state: 'open' | 'closed' | 'failed';
  opened_at: string;
  deadline: string;
  parameters_json: string;
  server_json: string;
  summary_json: string | null;
}

function roundRow(ctx: CoreContext, campaignId: string, round: number): RoundRow | undefined {
  return ctx.db.prepare('SELECT * FROM rounds WHERE campaign_id = ? AND round = ?').get(campaignId, round) as RoundRow | undefined;
}

/** State and deadline of a round, without its parameters (read after every result; the parameters only at the close). */
function roundState(ctx: CoreContext, campaignId: string, round: number): Pick<RoundRow, 'state' | 'deadline'> | undefined {
  return ctx.db.prepare('SELECT state, deadline FROM rounds WHERE campaign_id = ? AND round = ?').get(campaignId, round) as Pick<RoundRow, 'state' | 'deadline'> | undefined;
}

/**
 * Opens a training round: stores the global parameters it starts from and creates one
 * train-round job per training site (sorted) — or, under secure aggregation, the round's first
 * stage (secureRound.ts), whose 'masked' stage makes the train-round jobs later. Returns the envelopes.
 */
function openRound(ctx: CoreContext, campaign: CampaignRecord, state: TrainingState): JobEnvelope[] {
  const { round, parameters, server } = state;
  const settings = trainingSettings(campaign.protocol);
  const now = ctx.clock();
  const deadline = new Date(now.getTime() + settings.deadlineSeconds * 1000).toISOString();
  ctx.db
    .prepare("INSERT INTO rounds (campaign_id, round, state, opened_at, deadline, parameters_json, server_json) VALUES (?, ?, 'open', ?, ?, ?, ?)")
    .run(campaign.campaignId, round, now.toISOString(), deadline, JSON.stringify(parameters), JSON.stringify(server));
  setCurrentRound(ctx, campaign.campaignId, round);
  const sites = [...campaign.protocol.trainingSites].sort();
  const envelopes = campaign.protocol.training.secureAggregation ? openSecureRound(ctx, campaign, round, sites, (s, masking) => trainJobs(ctx, campaign, state, s, masking)) : trainJobs(ctx, campaign, state, sites);
  appendAudit(
    ctx.db,
    { event: 'round.opened', actor: 'coordinator', campaignId: campaign.campaignId, details: { round, deadline, sites, parametersHash: canonicalHash(parameters) } },
    now.toISOString(),
  );
  ctx.emit?.({ campaignId: campaign.campaignId, type: 'round-opened', at: now.toISOString(), round, detail: { sites } });
  return envelopes;
}

/** The round's train-round jobs for `sites`, each with its secure-aggregation params when the round masks. */
function trainJobs(ctx: CoreContext, campaign: CampaignRecord, state: TrainingState, sites: readonly string[], masking?: (siteId: string) => NonNullable<TrainRoundParams['secureAggregation']>): JobEnvelope[] {
  const { round } = state;
  const settings = trainingSettings(campaign.protocol);
  const configs = methodOf(campaign, fromStore(ctx, campaign)).configure(state, [...campaign.protocol.trainingSites].sort());
  if (masking) for (const siteId of sites) configs[siteId] = { ...configs[siteId], secureAggregation: masking(siteId) };
  if (campaign.protocol.training.shareSiteUpdates && round > 0) {
    // One object for every site: the envelopes below share one validated, serialised params.
    const transcript = roundTranscript(ctx, campaign, round - 1);
    for (const siteId of sites) configs[siteId] = { ...configs[siteId], transcript };
  }
  // The harmonisation each site applies to its rows before the step, by the hash of the step that made it.
  const harmonizationHash = harmonizationHashOf(ctx, campaign.campaignId);
  if (harmonizationHash !== undefined) for (const siteId of sites) configs[siteId] = { ...configs[siteId], harmonizationHash };
  const envelopes: JobEnvelope[] = [];
  // Sites with the same params share one object, validated and serialised once. Params are
  // compared field by field, objects (the model, the feature list, the global parameters) by
  // identity: the method hands every site of a round the same ones, and printing them once per
  // site would cost more than the rest of the round's set-up.
  const objectIds = new Map<object, number>();
  const idOf = (o: object): number => {
    let id = objectIds.get(o);
    if (id === undefined) objectIds.set(o, (id = objectIds.size));
    return id;
  };
  const fieldKey = ([name, value]: [string, unknown]) => (value !== null && typeof value === 'object' ? `${name}#${idOf(value)}` : `${name}=${JSON.stringify(value)}`);
  const built = new Map<string, { params: TrainRoundParams; hash: string }>();
  // Under secure aggregation every site's params differ (the shares addressed to it) but share the
  // rest: each shared field is printed and parsed once, and a site's params are assembled from them.
  const printed = new Map<object, { json: string; copy: unknown }>();
  const field = (value: object) => {
    let p = printed.get(value);
    if (!p) {
      const json = JSON.stringify(value);
      printed.set(value, (p = { json, copy: JSON.parse(json) }));
    }
    return p;
  };
  for (const siteId of sites) {
    const configKey = Object.entries(configs[siteId]).map(fieldKey).join(',');
    let entry = built.get(configKey);
    if (!entry) {
      const { json, copy } = jsonOf(configs[siteId], field);
      const params = assertValid<TrainRoundParams>('train-round-params', copy, `Round ${round} parameters for ${siteId}`);
      prevalidatedParams.add(params);
      built.set(configKey, (entry = { params, hash: storeParams(ctx, json, params) }));
    }
    envelopes.push(
      createJob(
        ctx,
        { jobId: trainRound.jobId(campaign.campaignId, siteId, round), campaignId: campaign.campaignId, protocolHash: campaign.protocolHash, siteId, kind: KIND, round, params: entry.params, paramsHash: entry.hash },
        settings.deadlineSeconds,
      ),
    );
  }
  return envelopes;
}

/**
 * JSON.stringify(config) and JSON.parse of it, made from each field's own (shared) text and copy:
 * the same text JSON.stringify prints for a plain object (its keys in order, undefined and function
 * values left out), and a copy equal to parsing that text.
 */
function jsonOf(config: object, field: (value: object) => { json: string; copy: unknown }): { json: string; copy: Record<string, unknown> } {
  const parts: string[] = [];
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
    const printed = value !== null && typeof value === 'object' ? field(value) : { json: JSON.stringify(value), copy: JSON.parse(JSON.stringify(value)) as unknown };
    parts.push(`${JSON.stringify(key)}:${printed.json}`);
    copy[key] = printed.copy;
  }
  return { json: `{${parts.join(',')}}`, copy };
}

/** The state a round started from (its stored parameters and strategy state). */
function startOf(ctx: CoreContext, campaign: CampaignRecord, round: number): TrainingState {
  const row = roundRow(ctx, campaign.campaignId, round)!;
  return { round, parameters: JSON.parse(row.parameters_json) as Tensor[], server: JSON.parse(row.server_json) as Json };
}

function failRound(ctx: CoreContext, campaignId: string, round: number, at: string): void {
  ctx.db.prepare("UPDATE rounds SET state = 'failed', closed_at = ? WHERE campaign_id = ? AND round = ?").run(at, campaignId, round);
}

/** The train-round job: one per training site and round; its result is a model update. */
const trainRound: JobKind = {
  kind: KIND,
  jobId: (campaignId, siteId, round) => `${campaignId}/r${round}/${siteId}`,
  attempts: (protocol) => trainingSettings(protocol),
  stale(ctx, campaign, job) {
    const round = roundState(ctx, job.campaignId, job.round!);
    if (!round || round.state !== 'open' || campaign.currentRound !== job.round) {
      return { code: 'STALE_ROUND', message: `Round ${job.round} of ${job.campaignId} is closed (current round ${campaign.currentRound}); its results can no longer count` };
    }
    return undefined;
  },
  /** An update that cannot enter this round's aggregate (its tensors are value views after checkResult). */
  check(campaign, job, body) {
    const update = body as unknown as { round: number; tensors: Array<{ name: string; shape: number[]; data: ArrayLike<number> }> };
    if (update.round !== job.round) {
      return { code: 'UPDATE_INVALID', message: `Update says round ${update.round} but job ${job.jobId} is round ${job.round}` };
    }
    const layout = methodOf(campaign, fromParams(campaign, job.params as TrainRoundParams)).layout(job.params as TrainRoundParams);
    for (const [name, shape] of Object.entries(layout)) {
      const length = shape.reduce((a, b) => a * b, 1);
      const t = update.tensors.find((x) => x.name === name);
      if (!t || t.data.length !== length || t.shape.reduce((a, b) => a * b, 1) !== length) {
        return { code: 'UPDATE_INVALID', message: `Update for job ${job.jobId} needs tensor "${name}" with ${length} values; got ${t ? t.data.length : 'none'}` };
      }
    }
    const unmaskable = campaign.protocol.training.secureAggregation ? maskedUpdateProblem(update) : undefined;
    if (unmaskable) return { code: 'UPDATE_INVALID', message: `Update of ${job.siteId} for job ${job.jobId}: ${unmaskable}` };
    // Packed tensors carry IEEE 754 bytes, so NaN and ±Infinity arrive intact (JSON numbers cannot).
    for (const t of update.tensors) {
      for (let i = 0; i < t.data.length; i++) {
        if (!Number.isFinite(t.data[i])) {
          const message = `Update of ${job.siteId} for job ${job.jobId}: tensor "${t.name}" holds ${t.data[i]} at index ${i}; an aggregate takes finite numbers only`;
          return { code: 'UPDATE_INVALID', message, failsJob: 'UPDATE_NOT_FINITE' };
        }
      }
    }
    return undefined;
  },
  acceptedEvent: 'result-accepted',
};

/**
 * Federated training: a round per open, repeated until the method says converged or the
 * protocol's round count is reached. A round is ready when every training site answered or
 * failed, or when the quorum is in and the round deadline has passed (SITE_CHANNEL.md §4).
 */
export const training: Phase<TrainingState | SecureStageInput, TrainedModel> = {
  name: 'training',
  campaignState: 'training',
  // The parameters are kept in the rounds and the locked model already: the step records their hash.
  recorded: ({ parameters, ...rest }) => ({ ...rest, parametersHash: canonicalHash(parameters) }),
  validate(protocol) {
    trainingMethod(protocol).initialState();
  },
  // The input is training's own state only when it repeats (a round has opened); entered from an
  // earlier step (extraction, reproducibility, …) it gets that step's output, and starts afresh.
  open(ctx, campaign, input) {
    if (!isSecureStageInput(input)) return openRound(ctx, campaign, campaign.currentRound !== null && input ? input : methodOf(campaign, fromStore(ctx, campaign)).initialState());
    const round = campaign.currentRound!;
    return openStage(ctx, campaign, round, input.secureStage, (sites, masking) => trainJobs(ctx, campaign, startOf(ctx, campaign, round), sites, masking));
  },
  ready(ctx, campaign) {
    const r = campaign.currentRound;
    if (r === null) return false;
    const row = roundState(ctx, campaign.campaignId, r);
    if (!row || row.state !== 'open') return false;
    if (campaign.protocol.training.secureAggregation) return stageReady(ctx, campaign, r, row.deadline);
    // This runs after every result: an existence probe on the covering index, and the done count only when it matters.
    const anyOpen = ctx.db.prepare("SELECT 1 FROM jobs WHERE campaign_id = ? AND round = ? AND kind = ? AND state = 'open' LIMIT 1").get(campaign.campaignId, r, KIND) !== undefined;
    if (!anyOpen) return true;
    if (nowIso(ctx) < row.deadline) return false;
    const done = (ctx.db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE campaign_id = ? AND round = ? AND kind = ? AND state = 'done'").get(campaign.campaignId, r, KIND) as { n: number }).n;
    return done >= trainingSettings(campaign.protocol).quorum;
  },
  /**
   * Aggregates the round's accepted updates sorted by site id and stores the new model; a
   * resumed campaign therefore ends with the same model as an uninterrupted one.
   */
  close(ctx, campaign) {
    const r = campaign.currentRound!;
    const settings = trainingSettings(campaign.protocol);
    const now = nowIso(ctx);
    const secure = campaign.protocol.training.secureAggregation === true;
    if (secure && currentStage(ctx, campaign.campaignId, r) !== 'unmask') {
      const stage = closeStage(ctx, campaign, r);
      if ('next' in stage) return { status: 'again', input: stage.next };
      failRound(ctx, campaign.campaignId, r, now);
      return { status: 'failed', ...stage };
    }
    const jobs = jobsOf(ctx, campaign.campaignId, { round: r, kind: KIND });
    const done = jobs.filter((j) => j.state === 'done');
    if (done.length < settings.quorum) {
      failRound(ctx, campaign.campaignId, r, now);
      const failures = jobs.filter((j) => j.state === 'failed').map((j) => `${j.siteId}: ${j.failureCode}`);
      return {
        status: 'failed',
        code: 'QUORUM_NOT_MET',
        message: `Round ${r} ended with ${done.length} update(s); the protocol needs ${settings.quorum}. Failed sites: ${failures.join(', ') || 'none'}`,
      };
    }
    for (const j of jobs.filter((x) => x.state === 'open')) {
      finishJob(ctx, j.jobId, 'failed', { code: 'STRAGGLER', message: `Round ${r} closed by quorum before ${j.siteId} answered` });
      appendAudit(ctx.db, { event: 'job.straggler', actor: 'coordinator', campaignId: campaign.campaignId, siteId: j.siteId, details: { jobId: j.jobId, round: r } }, now);
    }
    let results: SiteResult[] = (
      ctx.db
        .prepare('SELECT site_id, signed_json, tensor_data FROM results WHERE campaign_id = ? AND round = ? AND kind = ? AND is_error = 0 ORDER BY site_id')
        .all(campaign.campaignId, r, KIND) as Array<{ site_id: string; signed_json: string; tensor_data: Buffer | null }>
    ).map((x) => ({ siteId: x.site_id, update: storedUpdate(x.signed_json, x.tensor_data) }));
    const failures: SiteFailure[] = jobsOf(ctx, campaign.campaignId, { round: r, kind: KIND })
      .filter((j) => j.state === 'failed')
      .map((j) => ({ siteId: j.siteId, code: j.failureCode ?? 'FAILED', message: j.failureMessage ?? '' }));
    const full = roundRow(ctx, campaign.campaignId, r)!;
    const state = { round: r, parameters: JSON.parse(full.parameters_json) as Tensor[], server: JSON.parse(full.server_json) as Json };
    let outcome;
    try {
      // Under secure aggregation the stored updates are masked: the aggregate reads their unmasked sum.
      const unmasked = secure ? unmaskedResults(ctx, campaign, r, results) : undefined;
      if (unmasked) results = unmasked.results;
      outcome = methodOf(campaign, fromStore(ctx, campaign)).aggregate(state, results, failures);
      if (unmasked) outcome = { ...outcome, sites: unmasked.survivors };
    } catch (e) {
      const err = e as { code?: string; message: string };
      failRound(ctx, campaign.campaignId, r, now);
      return { status: 'failed', code: err.code ?? 'AGGREGATION_FAILED', message: `Round ${r}: ${err.message}` };
    }
    const { parameters, server } = outcome.state;
    const nonFinite = parameters.find((t) => !t.data.every(Number.isFinite));
    if (nonFinite) {
      failRound(ctx, campaign.campaignId, r, now);
      return { status: 'failed', code: 'AGGREGATE_NOT_FINITE', message: `Round ${r}: the aggregate of ${outcome.sites.join(', ')} gives non-finite values in "${nonFinite.name}" (the fit diverged)` };
    }
    const parametersHash = canonicalHash(parameters);
    // Under central DP the ε spent so far (every closed round's parameters reach the sites).
    const privacy = privacySpent(campaign.protocol, r + 1);
    const summary = { sites: outcome.sites, sampleCount: outcome.sampleCount, loss: outcome.loss ?? null, converged: outcome.converged, parametersHash, failures, ...(privacy ? { privacy } : {}) };
    ctx.db
      .prepare("UPDATE rounds SET state = 'closed', closed_at = ?, summary_json = ? WHERE campaign_id = ? AND round = ?")
      .run(now, JSON.stringify(summary), campaign.campaignId, r);
    ctx.db
      .prepare('INSERT INTO models (campaign_id, round, parameters_json, parameters_hash, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(campaign.campaignId, r, JSON.stringify(parameters), parametersHash, now);
    appendAudit(ctx.db, { event: 'round.closed', actor: 'coordinator', campaignId: campaign.campaignId, details: { round: r, ...summary } }, now);
    ctx.emit?.({ campaignId: campaign.campaignId, type: 'round-closed', at: now, round: r, detail: summary });
    // The method stops at convergence or at the protocol's round count (the same rounds settings.rounds holds).
    if (outcome.done) {
      return { status: 'done', output: { parameters, roundsRun: r + 1, sampleCount: outcome.sampleCount, converged: outcome.converged } };
    }
    return { status: 'again', input: outcome.state };
  },
  jobKind: trainRound,
  otherJobKinds: [secureAggregationJob],
};
