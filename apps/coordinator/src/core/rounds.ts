import { assertValid, canonicalHash, type JobEnvelope, type Tensor, type TrainRoundParams } from '@fedrad/protocol';
import { strategyForProtocol, type Json, type SiteFailure, type SiteResult, type TensorView, type UpdateView } from '@fedrad/federation';
import { float64sOf } from './resultWire.js';
import { appendAudit } from '../store/auditLog.js';
import type { CampaignRecord } from './campaigns.js';
import { setCampaignState } from './campaigns.js';
import { inTransaction, nowIso, type CoreContext } from './context.js';
import { createJob, finishJob, jobsOf, prevalidatedParams, storeParams } from './jobs.js';
import { lockModelAndEvaluate } from './modelLock.js';
import { trainingSettings } from './trainingDefaults.js';

/** A stored model update for aggregation: the small shell parsed, tensor data as Float64 views of the blob (no number parsing). */
function storedUpdate(shell: string, blob: Buffer | null): UpdateView {
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

export function roundRow(ctx: CoreContext, campaignId: string, round: number): RoundRow | undefined {
  return ctx.db.prepare('SELECT * FROM rounds WHERE campaign_id = ? AND round = ?').get(campaignId, round) as RoundRow | undefined;
}

/** State and deadline of a round, without its parameters (read after every result; the parameters only at the close). */
export function roundState(ctx: CoreContext, campaignId: string, round: number): Pick<RoundRow, 'state' | 'deadline'> | undefined {
  return ctx.db.prepare('SELECT state, deadline FROM rounds WHERE campaign_id = ? AND round = ?').get(campaignId, round) as Pick<RoundRow, 'state' | 'deadline'> | undefined;
}

/**
 * Opens a training round: stores the global parameters it starts from and creates one
 * train-round job per training site (sorted). Call inside a transaction; returns the envelopes.
 */
export function openRound(ctx: CoreContext, campaign: CampaignRecord, round: number, parameters: Tensor[], server: Json): JobEnvelope[] {
  const settings = trainingSettings(campaign.protocol);
  const now = ctx.clock();
  const deadline = new Date(now.getTime() + settings.deadlineSeconds * 1000).toISOString();
  ctx.db
    .prepare("INSERT INTO rounds (campaign_id, round, state, opened_at, deadline, parameters_json, server_json) VALUES (?, ?, 'open', ?, ?, ?, ?)")
    .run(campaign.campaignId, round, now.toISOString(), deadline, JSON.stringify(parameters), JSON.stringify(server));
  ctx.db.prepare('UPDATE campaigns SET current_round = ?, updated_at = ? WHERE campaign_id = ?').run(round, now.toISOString(), campaign.campaignId);
  const strategy = strategyForProtocol(campaign.protocol);
  const sites = [...campaign.protocol.trainingSites].sort();
  const configs = strategy.configureRound({ round, parameters, server }, sites);
  const envelopes: JobEnvelope[] = [];
  // Sites with the same config share one params object, validated and serialised once.
  const built = new Map<string, { params: TrainRoundParams; hash: string }>();
  for (const siteId of sites) {
    const configKey = JSON.stringify(configs[siteId]);
    let entry = built.get(configKey);
    if (!entry) {
      const json = JSON.stringify({ kind: 'train-round', round, model: campaign.protocol.model, features: campaign.protocol.features, globalParameters: parameters, ...configs[siteId] });
      const params = assertValid<TrainRoundParams>('train-round-params', JSON.parse(json), `Round ${round} parameters for ${siteId}`);
      prevalidatedParams.add(params);
      built.set(configKey, (entry = { params, hash: storeParams(ctx, json) }));
    }
    envelopes.push(
      createJob(ctx, { campaignId: campaign.campaignId, protocolHash: campaign.protocolHash, siteId, kind: 'train-round', round, params: entry.params, paramsHash: entry.hash }, settings.deadlineSeconds),
    );
  }
  appendAudit(
    ctx.db,
    { event: 'round.opened', actor: 'coordinator', campaignId: campaign.campaignId, details: { round, deadline, sites, parametersHash: canonicalHash(parameters) } },
    now.toISOString(),
  );
  ctx.emit?.({ campaignId: campaign.campaignId, type: 'round-opened', at: now.toISOString(), round, detail: { sites } });
  return envelopes;
}

/**
 * Closes the campaign's current round when it is ready (SITE_CHANNEL.md §4): every job answered
 * or failed, or the quorum reached and the round deadline passed. Aggregates the accepted
 * updates sorted by site id, stores the new model, and opens the next round or locks the model —
 * all in one transaction, so a crash leaves either the open round or its successor, never half.
 */
export function closeRoundIfReady(ctx: CoreContext, campaign: CampaignRecord): JobEnvelope[] {
  if (campaign.state !== 'training' || campaign.currentRound === null) return [];
  const r = campaign.currentRound;
  const row = roundState(ctx, campaign.campaignId, r);
  if (!row || row.state !== 'open') return [];
  const settings = trainingSettings(campaign.protocol);
  // This runs after every result: an existence probe on the covering index, and the done count only when it matters.
  const anyOpen = ctx.db.prepare("SELECT 1 FROM jobs WHERE campaign_id = ? AND round = ? AND kind = 'train-round' AND state = 'open' LIMIT 1").get(campaign.campaignId, r) !== undefined;
  const countDone = () =>
    (ctx.db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE campaign_id = ? AND round = ? AND kind = 'train-round' AND state = 'done'").get(campaign.campaignId, r) as { n: number }).n;
  const now = nowIso(ctx);
  const deadlinePassed = now >= row.deadline;
  if (anyOpen && !(deadlinePassed && countDone() >= settings.quorum)) return [];
  const jobs = jobsOf(ctx, campaign.campaignId, { round: r, kind: 'train-round' });
  const done = jobs.filter((j) => j.state === 'done');
  const open = jobs.filter((j) => j.state === 'open');

  return inTransaction(ctx, (): JobEnvelope[] => {
    if (done.length < settings.quorum) {
      ctx.db.prepare("UPDATE rounds SET state = 'failed', closed_at = ? WHERE campaign_id = ? AND round = ?").run(now, campaign.campaignId, r);
      const failures = jobs.filter((j) => j.state === 'failed').map((j) => `${j.siteId}: ${j.failureCode}`);
      setCampaignState(ctx, campaign.campaignId, 'failed', 'coordinator', {
        code: 'QUORUM_NOT_MET',
        message: `Round ${r} ended with ${done.length} update(s); the protocol needs ${settings.quorum}. Failed sites: ${failures.join(', ') || 'none'}`,
      });
      return [];
    }
    for (const j of open) {
      finishJob(ctx, j.jobId, 'failed', { code: 'STRAGGLER', message: `Round ${r} closed by quorum before ${j.siteId} answered` });
      appendAudit(ctx.db, { event: 'job.straggler', actor: 'coordinator', campaignId: campaign.campaignId, siteId: j.siteId, details: { jobId: j.jobId, round: r } }, now);
    }
    const results: SiteResult[] = (
      ctx.db
        .prepare("SELECT site_id, signed_json, tensor_data FROM results WHERE campaign_id = ? AND round = ? AND kind = 'train-round' AND is_error = 0 ORDER BY site_id")
        .all(campaign.campaignId, r) as Array<{ site_id: string; signed_json: string; tensor_data: Buffer | null }>
    ).map((x) => ({ siteId: x.site_id, update: storedUpdate(x.signed_json, x.tensor_data) }));
    const failures: SiteFailure[] = jobsOf(ctx, campaign.campaignId, { round: r, kind: 'train-round' })
      .filter((j) => j.state === 'failed')
      .map((j) => ({ siteId: j.siteId, code: j.failureCode ?? 'FAILED', message: j.failureMessage ?? '' }));
    const full = roundRow(ctx, campaign.campaignId, r)!;
    const state = { round: r, parameters: JSON.parse(full.parameters_json) as Tensor[], server: JSON.parse(full.server_json) as Json };
    let outcome;
    try {
      outcome = strategyForProtocol(campaign.protocol).aggregate(state, results, failures);
    } catch (e) {
      const err = e as { code?: string; message: string };
      ctx.db.prepare("UPDATE rounds SET state = 'failed', closed_at = ? WHERE campaign_id = ? AND round = ?").run(now, campaign.campaignId, r);
      setCampaignState(ctx, campaign.campaignId, 'failed', 'coordinator', { code: err.code ?? 'AGGREGATION_FAILED', message: `Round ${r}: ${err.message}` });
      return [];
    }
    const parametersHash = canonicalHash(outcome.parameters);
    const summary = { sites: outcome.sites, sampleCount: outcome.sampleCount, loss: outcome.loss ?? null, converged: outcome.converged, parametersHash, failures };
    ctx.db
      .prepare("UPDATE rounds SET state = 'closed', closed_at = ?, summary_json = ? WHERE campaign_id = ? AND round = ?")
      .run(now, JSON.stringify(summary), campaign.campaignId, r);
    ctx.db
      .prepare('INSERT INTO models (campaign_id, round, parameters_json, parameters_hash, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(campaign.campaignId, r, JSON.stringify(outcome.parameters), parametersHash, now);
    appendAudit(ctx.db, { event: 'round.closed', actor: 'coordinator', campaignId: campaign.campaignId, details: { round: r, ...summary } }, now);
    ctx.emit?.({ campaignId: campaign.campaignId, type: 'round-closed', at: now, round: r, detail: summary });
    if (outcome.converged || r + 1 >= settings.rounds) {
      return lockModelAndEvaluate(ctx, campaign, outcome.parameters, { roundsRun: r + 1, sampleCount: outcome.sampleCount, converged: outcome.converged });
    }
    return openRound(ctx, campaign, r + 1, outcome.parameters, outcome.server);
  });
}
