import {
  assertValid,
  BASELINE_MAX_ROUNDS,
  baselineJobRound,
  baselineModels,
  baselineProtocol,
  canonicalHash,
  sha256Hex,
  type BaselineModelName,
  type BaselineRoundParams,
  type CampaignProtocol,
  type JobEnvelope,
  type Tensor,
} from '@fedrad/protocol';
import { appendAudit } from '../../store/auditLog.js';
import type { CampaignRecord } from '../campaignStore.js';
import { nowIso, type CoreContext } from '../context.js';
import { createJob, jobsOf } from '../jobs.js';
import { stepOutput } from '../stepOutputs.js';
import { harmonizationHashOf } from './harmonization.js';
import { exportsModel } from './lock.js';
import { releaseModel } from './modelRelease.js';
import type { JobKind, Phase } from './phase.js';
import { effectiveProtocol } from './stepSettings.js';
import { storedUpdate, type TrainedModel } from './training.js';
import { trainingMethod, type Json, type TrainingState } from './trainingMethod.js';
import { trainingSettings } from './trainingSettings.js';
import { exchangeTranscript } from './transcript.js';

const KIND = 'baseline-round';

/** The state each unfinished baseline model starts its next round from (the phase's input when it repeats). */
interface BaselineRounds {
  baselineStates: Partial<Record<BaselineModelName, TrainingState>>;
}

/** A locked baseline model, as the step's output names it. */
export interface LockedBaselineModel {
  model: BaselineModelName;
  modelHash: string;
  onnxSha256: string | null;
  features: string[];
  roundsRun: number;
  sampleCount: number;
  converged: boolean;
  /** Training patients left out for lacking a covariate, over every training site. */
  missingCovariates: number;
}

/**
 * What the baseline step hands on: the radiomics model training produced, unchanged (the lock
 * locks it next), and the baseline models it locked beside it.
 */
export type BaselineOutput = TrainedModel & { baselineModels: LockedBaselineModel[] };

const isRepeat = (input: unknown): input is BaselineRounds => typeof input === 'object' && input !== null && 'baselineStates' in input;

/** The radiomics model's features (the selection's when it ran): the combined model's first inputs. */
const radiomicsOf = (ctx: CoreContext, campaign: CampaignRecord, model: BaselineModelName): string[] => (model === 'combined' ? (effectiveProtocol(ctx, campaign).features ?? []) : []);

/** The protocol a baseline model trains with (protocol's baselineProtocol: unpenalised logistic by exact Newton steps). */
const armOf = (ctx: CoreContext, campaign: CampaignRecord, model: BaselineModelName): CampaignProtocol => baselineProtocol(campaign.protocol, model, radiomicsOf(ctx, campaign, model));

/** Opens one round of each model in `states`: its row, and a baseline-round job per training site (sorted). */
function openRounds(ctx: CoreContext, campaign: CampaignRecord, states: Partial<Record<BaselineModelName, TrainingState>>): JobEnvelope[] {
  const settings = trainingSettings(campaign.protocol);
  const sites = [...campaign.protocol.trainingSites].sort();
  const covariates = campaign.protocol.analysisPlan!.baseline!.covariates;
  const harmonizationHash = harmonizationHashOf(ctx, campaign.campaignId);
  const at = nowIso(ctx);
  const envelopes: JobEnvelope[] = [];
  for (const model of baselineModels(campaign.protocol).filter((m) => states[m] !== undefined)) {
    const state = states[model]!;
    const radiomicsFeatures = radiomicsOf(ctx, campaign, model);
    const configs = trainingMethod(baselineProtocol(campaign.protocol, model, radiomicsFeatures)).configure(state, sites);
    ctx.db
      .prepare("INSERT INTO baseline_rounds (campaign_id, model, round, state, parameters_json, server_json) VALUES (?, ?, ?, 'open', ?, ?)")
      .run(campaign.campaignId, model, state.round, JSON.stringify(state.parameters), JSON.stringify(state.server));
    const round = baselineJobRound(model, state.round);
    // Under shareSiteUpdates each round after the first carries the previous round's signed updates, from
    // which every site recomputes the Newton step and refuses parameters that do not follow (apps/site-node's exchangeTrajectory.ts).
    const transcript = campaign.protocol.training.shareSiteUpdates && state.round > 0 ? { transcript: exchangeTranscript(ctx, campaign, KIND, round - 1) } : {};
    for (const siteId of sites) {
      const step = { ...configs[siteId], ...(harmonizationHash !== undefined ? { harmonizationHash } : {}), ...transcript };
      const params = assertValid<BaselineRoundParams>('baseline-round-params', JSON.parse(JSON.stringify({ kind: KIND, model, covariates, radiomicsFeatures, step })), `Baseline ${model} round ${state.round} for ${siteId}`);
      envelopes.push(
        createJob(ctx, { jobId: baselineRound.jobId(campaign.campaignId, siteId, round), campaignId: campaign.campaignId, protocolHash: campaign.protocolHash, siteId, kind: KIND, round, params }, settings.deadlineSeconds),
      );
    }
    appendAudit(ctx.db, { event: 'baseline.round-opened', actor: 'coordinator', campaignId: campaign.campaignId, details: { model, round: state.round, sites, parametersHash: canonicalHash(state.parameters) } }, at);
  }
  return envelopes;
}

interface OpenRow {
  model: BaselineModelName;
  round: number;
  parameters_json: string;
  server_json: string;
}

const openRows = (ctx: CoreContext, campaignId: string): OpenRow[] =>
  ctx.db.prepare("SELECT model, round, parameters_json, server_json FROM baseline_rounds WHERE campaign_id = ? AND state = 'open' ORDER BY model").all(campaignId) as OpenRow[];

/**
 * Locks a converged baseline model like the radiomics model (lock.ts): its canonical hash, its
 * ONNX export for the test sites and its card signed by the coordinator (modelRelease.ts).
 */
function lockBaseline(ctx: CoreContext, campaign: CampaignRecord, model: BaselineModelName, arm: CampaignProtocol, trained: { parameters: Tensor[]; roundsRun: number; sampleCount: number; converged: boolean; loss: number | null; missingCovariates: number }, at: string): void {
  const features = arm.features ?? [];
  const locked = { type: 'locked-model', campaignId: campaign.campaignId, protocolHash: campaign.protocolHash, family: arm.model.family, baseline: model, features, roundsRun: trained.roundsRun, parameters: trained.parameters };
  const modelHash = canonicalHash(locked);
  const info = { roundsRun: trained.roundsRun, sampleCount: trained.sampleCount, converged: trained.converged };
  const onnx = exportsModel(ctx, arm) ? ctx.exportModel!(arm, trained.parameters, info) : undefined;
  const onnxSha256 = onnx ? sha256Hex(onnx) : null;
  const covariates = campaign.protocol.analysisPlan!.baseline!.covariates;
  const release =
    onnx && ctx.describeModel && ctx.modelSigner
      ? releaseModel(ctx, { ...campaign, protocol: arm }, { modelHash, onnx, parameters: trained.parameters, info }, at, { model, covariates, missingCovariates: trained.missingCovariates, finalLoss: trained.loss })
      : undefined;
  ctx.db
    .prepare('INSERT INTO baseline_models (campaign_id, model, model_hash, model_json, onnx, onnx_sha256, card_json, signature_json, locked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .run(campaign.campaignId, model, modelHash, JSON.stringify({ ...locked, sampleCount: trained.sampleCount, converged: trained.converged, missingCovariates: trained.missingCovariates }), onnx ? Buffer.from(onnx) : null, onnxSha256, release ? JSON.stringify(release.card) : null, release ? JSON.stringify(release.signature) : null, at);
  appendAudit(ctx.db, { event: 'baseline.model-locked', actor: 'coordinator', campaignId: campaign.campaignId, details: { model, modelHash, onnxSha256, roundsRun: trained.roundsRun, ...(release ? { cardSha256: release.signature.signature.documentSha256 } : {}) } }, at);
}

/** The campaign's locked baseline models (the step's output and the evaluation's input). */
export function lockedBaselineModels(ctx: CoreContext, campaignId: string): Array<LockedBaselineModel & { onnx: Buffer | null; card: unknown; signature: unknown }> {
  const rows = ctx.db.prepare('SELECT model, model_hash, model_json, onnx, onnx_sha256, card_json, signature_json FROM baseline_models WHERE campaign_id = ? ORDER BY model').all(campaignId) as Array<{
    model: BaselineModelName;
    model_hash: string;
    model_json: string;
    onnx: Buffer | null;
    onnx_sha256: string | null;
    card_json: string | null;
    signature_json: string | null;
  }>;
  return rows.map((r) => {
    const m = JSON.parse(r.model_json) as { features: string[]; roundsRun: number; sampleCount: number; converged: boolean; missingCovariates: number };
    return {
      model: r.model,
      modelHash: r.model_hash,
      onnxSha256: r.onnx_sha256,
      features: m.features,
      roundsRun: m.roundsRun,
      sampleCount: m.sampleCount,
      converged: m.converged,
      missingCovariates: m.missingCovariates,
      onnx: r.onnx,
      card: r.card_json ? JSON.parse(r.card_json) : undefined,
      signature: r.signature_json ? JSON.parse(r.signature_json) : undefined,
    };
  });
}

/** The radiomics model training ended with, read back from the store (training's output records its hash). */
function trainedRadiomicsModel(ctx: CoreContext, campaignId: string): TrainedModel {
  const out = stepOutput<Omit<TrainedModel, 'parameters'> & { parametersHash: string }>(ctx, campaignId, 'training')!.output;
  const row = ctx.db.prepare('SELECT parameters_json FROM models WHERE campaign_id = ? AND parameters_hash = ? ORDER BY round DESC LIMIT 1').get(campaignId, out.parametersHash) as { parameters_json: string };
  return { parameters: JSON.parse(row.parameters_json) as Tensor[], roundsRun: out.roundsRun, sampleCount: out.sampleCount, converged: out.converged };
}

/** The baseline-round job: one per training site, baseline model and round; its result is that model's update. */
const baselineRound: JobKind = {
  kind: KIND,
  // The envelope round says which model (baselineJobRound): the combined model's rounds follow the clinical model's range.
  jobId: (campaignId, siteId, round) => `${campaignId}/baseline/${round! < BASELINE_MAX_ROUNDS ? 'clinical' : 'combined'}/r${round}/${siteId}`,
  attempts: (protocol) => trainingSettings(protocol),
  stale(ctx, campaign, job) {
    const p = job.params as BaselineRoundParams;
    const row = ctx.db.prepare('SELECT state FROM baseline_rounds WHERE campaign_id = ? AND model = ? AND round = ?').get(campaign.campaignId, p.model, p.step.round) as { state: string } | undefined;
    return row?.state === 'open' ? undefined : { code: 'STALE_ROUND', message: `Round ${p.step.round} of the ${p.model} baseline model of ${campaign.campaignId} is closed; its results can no longer count` };
  },
  check(campaign, job, body) {
    const p = job.params as BaselineRoundParams;
    const update = body as unknown as { model?: string; round: number; tensors: Array<{ name: string; data: ArrayLike<number> }> };
    if (update.model !== p.model || update.round !== p.step.round) {
      return { code: 'UPDATE_INVALID', message: `Update for job ${job.jobId} says ${update.model} model round ${update.round}; the job is the ${p.model} model's round ${p.step.round}` };
    }
    const layout = trainingMethod(baselineProtocol(campaign.protocol, p.model, p.radiomicsFeatures)).layout(p.step);
    for (const [name, shape] of Object.entries(layout)) {
      const length = shape.reduce((a, b) => a * b, 1);
      const t = update.tensors.find((x) => x.name === name);
      if (!t || t.data.length !== length) return { code: 'UPDATE_INVALID', message: `Update for job ${job.jobId} needs tensor "${name}" with ${length} values; got ${t ? t.data.length : 'none'}` };
      for (let i = 0; i < t.data.length; i++) {
        if (!Number.isFinite(t.data[i])) return { code: 'UPDATE_INVALID', message: `Update of ${job.siteId} for job ${job.jobId}: tensor "${name}" holds ${t.data[i]} at index ${i}`, failsJob: 'UPDATE_NOT_FINITE' };
      }
    }
    return undefined;
  },
  acceptedEvent: 'result-accepted',
};

/**
 * The baseline step (analysisPlan.baseline; issue #13): after training, the clinical model
 * (covariates alone) and the combined model (the radiomics model's features and the covariates)
 * train side by side at the training sites by exact Newton rounds — unpenalised logistic
 * regression, the fit R's glm gives on the training sites' pooled complete cases — each until it
 * converges (at most BASELINE_MAX_ROUNDS rounds), then each is locked, exported and signed like
 * the radiomics model. A round is ready when every training site answered; exact Newton needs
 * every site, so a site that fails fails the step. Each round's state is in baseline_rounds, so a
 * restart resumes the round it was in.
 */
export const baseline: Phase<BaselineRounds | TrainedModel, BaselineOutput> = {
  name: 'baseline',
  campaignState: 'training',
  applies: (protocol) => protocol.analysisPlan?.baseline !== undefined,
  // The radiomics parameters are in the rounds and the locked model already: the step records their hash.
  recorded: ({ parameters, ...rest }) => ({ ...rest, parametersHash: canonicalHash(parameters) }),
  open(ctx, campaign, input) {
    if (isRepeat(input)) return openRounds(ctx, campaign, input.baselineStates);
    const states: Partial<Record<BaselineModelName, TrainingState>> = {};
    for (const model of baselineModels(campaign.protocol)) states[model] = trainingMethod(armOf(ctx, campaign, model)).initialState();
    return openRounds(ctx, campaign, states);
  },
  ready(ctx, campaign) {
    if (ctx.db.prepare("SELECT 1 FROM baseline_rounds WHERE campaign_id = ? AND state = 'open' LIMIT 1").get(campaign.campaignId) === undefined) return false;
    return ctx.db.prepare("SELECT 1 FROM jobs WHERE campaign_id = ? AND kind = ? AND state = 'open' LIMIT 1").get(campaign.campaignId, KIND) === undefined;
  },
  /** Aggregates each open round's updates (sorted by site id) and locks each model that converged. */
  close(ctx, campaign) {
    const at = nowIso(ctx);
    const next: Partial<Record<BaselineModelName, TrainingState>> = {};
    for (const row of openRows(ctx, campaign.campaignId)) {
      const round = baselineJobRound(row.model, row.round);
      const jobs = jobsOf(ctx, campaign.campaignId, { round, kind: KIND });
      const failed = jobs.filter((j) => j.state === 'failed');
      const closeRow = (summary: unknown) =>
        ctx.db.prepare("UPDATE baseline_rounds SET state = 'closed', summary_json = ? WHERE campaign_id = ? AND model = ? AND round = ?").run(JSON.stringify(summary), campaign.campaignId, row.model, row.round);
      if (failed.length > 0) {
        closeRow({ failed: failed.map((j) => j.siteId) });
        return { status: 'failed', code: 'BASELINE_FAILED', message: `Round ${row.round} of the ${row.model} baseline model: ${failed.map((j) => `${j.siteId} ${j.failureCode}: ${j.failureMessage}`).join('; ')} (exact Newton steps need every training site)` };
      }
      const results = (
        ctx.db
          .prepare('SELECT site_id, signed_json, tensor_data FROM results WHERE campaign_id = ? AND round = ? AND kind = ? AND is_error = 0 ORDER BY site_id')
          .all(campaign.campaignId, round, KIND) as Array<{ site_id: string; signed_json: string; tensor_data: Buffer | null }>
      ).map((x) => ({ siteId: x.site_id, update: storedUpdate(x.signed_json, x.tensor_data) }));
      const missingCovariates = results.reduce((n, r) => n + ((r.update as unknown as { missingCovariates?: number }).missingCovariates ?? 0), 0);
      const arm = armOf(ctx, campaign, row.model);
      const state = { round: row.round, parameters: JSON.parse(row.parameters_json) as Tensor[], server: JSON.parse(row.server_json) as Json };
      let outcome;
      try {
        outcome = trainingMethod(arm).aggregate(state, results, []);
      } catch (e) {
        const err = e as { code?: string; message: string };
        closeRow({ error: err.message });
        return { status: 'failed', code: 'BASELINE_FAILED', message: `Round ${row.round} of the ${row.model} baseline model: ${err.message}` };
      }
      const { parameters } = outcome.state;
      if (!parameters.every((t) => t.data.every(Number.isFinite))) {
        closeRow({ error: 'not finite' });
        return { status: 'failed', code: 'BASELINE_FAILED', message: `Round ${row.round} of the ${row.model} baseline model: the aggregate is not finite (the fit diverged; a covariate may separate the outcome)` };
      }
      const summary = { sites: outcome.sites, sampleCount: outcome.sampleCount, loss: outcome.loss ?? null, converged: outcome.converged, parametersHash: canonicalHash(parameters), missingCovariates };
      closeRow(summary);
      appendAudit(ctx.db, { event: 'baseline.round-closed', actor: 'coordinator', campaignId: campaign.campaignId, details: { model: row.model, round: row.round, ...summary } }, at);
      if (outcome.done) lockBaseline(ctx, campaign, row.model, arm, { parameters, roundsRun: row.round + 1, sampleCount: outcome.sampleCount, converged: outcome.converged, loss: outcome.loss ?? null, missingCovariates }, at);
      else next[row.model] = outcome.state;
    }
    if (Object.keys(next).length > 0) return { status: 'again', input: { baselineStates: next } };
    const baselineModelsLocked = lockedBaselineModels(ctx, campaign.campaignId).map(({ onnx: _o, card: _c, signature: _s, ...m }) => m);
    return { status: 'done', output: { ...trainedRadiomicsModel(ctx, campaign.campaignId), baselineModels: baselineModelsLocked } };
  },
  jobKind: baselineRound,
};
