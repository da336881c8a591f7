import {
  bestAlpha, coxCrossValidationMethod, coxCrossValidationResult, crossValidationMethod, crossValidationResult, protocolCoxTuningSettings, protocolTuningSettings,
  type CoxCvState, type CrossValidationResult, type CvState,
} from '@fedrad/methods';
import { tuningAlphas, type CampaignProtocol, type JobEnvelope, type TuneRoundParams } from '@fedrad/protocol';
import { appendAudit } from '../../store/auditLog.js';
import type { CampaignRecord } from '../campaignStore.js';
import { nowIso, type CoreContext } from '../context.js';
import { createJob, jobsOf } from '../jobs.js';
import { stepOutput } from '../stepOutputs.js';
import { harmonizationHashOf } from './harmonization.js';
import { isLassoPathJob, lassoJobCheck, lassoJobStale } from './selectionLasso.js';
import type { JobKind, Phase } from './phase.js';
import type { SelectionOutput, TuningOutput } from './stepSettings.js';
import { storedUpdate } from './training.js';
import { trainingSettings } from './trainingSettings.js';
import { exchangeTranscript } from './transcript.js';

const KIND = 'tune-round';

/** Where tuning stands: the exchange about to run, the α being cross-validated, and the curves of the α before it. */
export interface TuneState {
  round: number;
  alphaIndex: number;
  /** The logistic cross-validation's state, or the Cox one's (model.family cox). */
  cv: CvState | CoxCvState;
  finished: Array<Omit<CrossValidationResult, 'coefficients' | 'nonzero' | 'foldValues'>>;
}

/** The tuning step's output: the chosen λ and α (TuningOutput) with the chosen α's curve and every α tried. */
export type TuningStepOutput = TuningOutput & {
  measure: string;
  features: string[];
  basedOn?: string;
  lambdas: number[];
  cvm: number[];
  cvsd: number[];
  folds: CrossValidationResult['folds'];
  sampleCount: number;
  alphas: Array<{ alpha: number; lambdaMin: number; lambda1se: number; best: number }>;
};

/** The features tuning runs on: the selection's when it ran, else the protocol's. */
function featuresOf(ctx: CoreContext, campaign: CampaignRecord): { features: string[]; basedOn?: string } {
  const selection = stepOutput<SelectionOutput>(ctx, campaign.campaignId, 'selection');
  return selection ? { features: selection.output.features, basedOn: selection.outputHash } : { features: campaign.protocol.features ?? [] };
}

/** One α's cross-validation as the step runs it: its settings, @fedrad/methods' method and its summary of a finished state. */
interface TuningRun {
  settings: { alpha: number };
  method: {
    initialState(): CvState | CoxCvState;
    configure(state: CvState | CoxCvState, sites: readonly string[]): Record<string, object>;
    aggregate(state: CvState | CoxCvState, results: Array<{ siteId: string; update: unknown }>, failures: Array<{ siteId: string; code: string; message: string }>): { state: CvState | CoxCvState };
  };
  result(state: CvState | CoxCvState): CrossValidationResult;
}

/**
 * The cross-validation of the protocol's model at its alphaIndex-th α: glmnet's Cox, stratified by
 * site (leave-one-site-out or K folds within sites), for model.family cox (as `fedrad tune --model cox --sites`); the
 * logistic elastic net otherwise (as `fedrad tune --sites`).
 */
function methodAt(protocol: CampaignProtocol, features: string[], alphaIndex: number): TuningRun {
  const alpha = tuningAlphas(protocol)[alphaIndex];
  if (protocol.model.family === 'cox') {
    const settings = protocolCoxTuningSettings(protocol, features, alpha);
    return { settings, method: coxCrossValidationMethod(settings) as unknown as TuningRun['method'], result: (state) => coxCrossValidationResult(state as CoxCvState, settings) };
  }
  const settings = protocolTuningSettings(protocol, features, alpha);
  return { settings, method: crossValidationMethod(settings) as unknown as TuningRun['method'], result: (state) => crossValidationResult(state as CvState, settings) };
}

function latestRound(ctx: CoreContext, campaignId: string): { round: number; state: TuneState } | undefined {
  const row = ctx.db.prepare('SELECT round, state_json FROM tuning_rounds WHERE campaign_id = ? ORDER BY round DESC LIMIT 1').get(campaignId) as { round: number; state_json: string } | undefined;
  return row && { round: row.round, state: JSON.parse(row.state_json) as TuneState };
}

/** The tune-round job: one per training site and exchange; its result is the site's cross-validation sums. */
const tuneRound: JobKind = {
  kind: KIND,
  jobId: (campaignId, siteId, round) => `${campaignId}/tune/r${round}/${siteId}`,
  attempts: (protocol) => trainingSettings(protocol),
  stale(ctx, campaign, job) {
    // The selection step's LASSO path sends tune-round exchanges too (without folds).
    if (isLassoPathJob(job.params)) return lassoJobStale(ctx, campaign, job);
    const latest = latestRound(ctx, campaign.campaignId);
    if (campaign.phase !== 'tuning' || !latest || latest.round !== job.round) {
      return { code: 'STALE_ROUND', message: `Tuning exchange ${job.round} of ${job.campaignId} is closed; its results can no longer count` };
    }
    return undefined;
  },
  check(campaign, job, body) {
    const result = body as { kind?: string; round?: number; tensors?: Array<{ name: string; data: ArrayLike<number> }> };
    if (result.kind !== KIND) return undefined; // an error report: the job fails with it
    if (result.round !== job.round) return { code: 'UPDATE_INVALID', message: `Result says tuning exchange ${result.round} but job ${job.jobId} is ${job.round}` };
    if (isLassoPathJob(job.params)) return lassoJobCheck(campaign, job, result);
    const params = job.params as TuneRoundParams;
    const cox = campaign.protocol.model.family === 'cox';
    const method = cox ? coxCrossValidationMethod(protocolCoxTuningSettings(campaign.protocol, params.features, params.alpha)) : crossValidationMethod(protocolTuningSettings(campaign.protocol, params.features, params.alpha));
    const layout = (method.layout as (p: unknown) => Record<string, number[]>)({ ...params, kind: cox ? 'cox-cv-step' : 'cv-step' });
    // A fold's held-out score comes only from a site holding rows of that fold (leave-one-site-out: its own).
    for (const [name, shape] of Object.entries(layout)) {
      const length = shape.reduce((a, b) => a * b, 1);
      const t = result.tensors?.find((x) => x.name === name);
      if ((!t && !name.endsWith('/held-out')) || (t && t.data.length !== length)) {
        return { code: 'UPDATE_INVALID', message: `The tuning sums of job ${job.jobId} need tensor "${name}" with ${length} values; got ${t ? t.data.length : 'none'}` };
      }
    }
    const foreign = result.tensors?.find((t) => !(t.name in layout));
    if (foreign) return { code: 'UPDATE_INVALID', message: `The tuning sums of job ${job.jobId} hold tensor "${foreign.name}", which this exchange does not ask for` };
    return undefined;
  },
  acceptedEvent: 'result-accepted',
};

function openRound(ctx: CoreContext, campaign: CampaignRecord, state: TuneState): JobEnvelope[] {
  const now = nowIso(ctx);
  ctx.db.prepare('INSERT INTO tuning_rounds (campaign_id, round, state_json, opened_at) VALUES (?, ?, ?, ?)').run(campaign.campaignId, state.round, JSON.stringify(state), now);
  const { features, basedOn } = featuresOf(ctx, campaign);
  const { settings, method } = methodAt(campaign.protocol, features, state.alphaIndex);
  const sites = [...campaign.protocol.trainingSites].sort();
  const configs = method.configure(state.cv, sites);
  const deadline = trainingSettings(campaign.protocol).deadlineSeconds;
  // The harmonisation each site applies to its rows before the exchange, as training will before its rounds.
  const harmonizationHash = harmonizationHashOf(ctx, campaign.campaignId);
  // Under shareSiteUpdates every exchange of an α after its grid step carries the one before it as the
  // sites signed it, from which each site recomputes this exchange (apps/site-node's exchangeTrajectory.ts).
  const transcript = campaign.protocol.training.shareSiteUpdates && state.cv.phase !== 'grid' ? { transcript: exchangeTranscript(ctx, campaign, KIND, state.round - 1) } : {};
  appendAudit(ctx.db, { event: 'tuning.round-opened', actor: 'coordinator', campaignId: campaign.campaignId, details: { round: state.round, alpha: settings.alpha, phase: state.cv.phase, lambdaIndex: state.cv.lambdaIndex, sites } }, now);
  return sites.map((siteId) => {
    const { kind: _cv, resampling: _none, ...step } = configs[siteId] as Record<string, unknown>;
    // The protocol's schemes only ('none' is selection's LASSO path, which no campaign step asks for).
    // A path exchange names its λ grid, which the site checks against the approved protocol's.
    const grid = state.cv.phase === 'path' ? { lambdas: state.cv.lambdas } : {};
    const params = { kind: KIND, round: state.round, alpha: settings.alpha, ...step, ...grid, ...(basedOn ? { basedOn } : {}), ...(harmonizationHash !== undefined ? { harmonizationHash } : {}), ...transcript } as TuneRoundParams;
    return createJob(ctx, { jobId: tuneRound.jobId(campaign.campaignId, siteId, state.round), campaignId: campaign.campaignId, protocolHash: campaign.protocolHash, siteId, kind: KIND, round: state.round, params }, deadline);
  });
}

/**
 * Tuning by cross-validation (issue #12, item 4): for each α of the protocol, @fedrad/methods'
 * federated cross-validation of the elastic net — a grid exchange, then per λ proximal Newton
 * steps on every fold's pooled sums, each exchange a round of tune-round jobs — the same
 * computation as `fedrad tune --sites` (logistic) or `fedrad tune --model cox --sites` (Cox:
 * each site its own stratum and its own fold), so equal to cv.glmnet with the same folds. The best α
 * and its lambda.min or lambda.1se (tuning.rule) are what training fits (stepSettings.ts). Under
 * training.shareSiteUpdates each site checks every exchange after an α's grid step against the
 * previous exchange's signed answers (openRound's transcript).
 */
export const tuning: Phase<TuneState, TuningStepOutput> = {
  name: 'tuning',
  campaignState: 'training',
  applies: (protocol) => protocol.tuning !== undefined,
  open(ctx, campaign, input) {
    // The runner opens the step with the previous step's output first, then with each next state.
    if (latestRound(ctx, campaign.campaignId) && input) return openRound(ctx, campaign, input);
    const { features } = featuresOf(ctx, campaign);
    // Exchanges go on from the selection step's LASSO path, when it sent any: a site's tune-rounds only go forward.
    const first = Math.max(-1, ...jobsOf(ctx, campaign.campaignId, { kind: KIND }).map((j) => j.round ?? -1)) + 1;
    return openRound(ctx, campaign, { round: first, alphaIndex: 0, cv: methodAt(campaign.protocol, features, 0).method.initialState(), finished: [] });
  },
  ready(ctx, campaign) {
    const latest = latestRound(ctx, campaign.campaignId);
    return !!latest && !jobsOf(ctx, campaign.campaignId, { kind: KIND, round: latest.round }).some((j) => j.state === 'open');
  },
  close(ctx, campaign) {
    const { round, state } = latestRound(ctx, campaign.campaignId)!;
    const { features, basedOn } = featuresOf(ctx, campaign);
    const { settings, method, result } = methodAt(campaign.protocol, features, state.alphaIndex);
    const failures = jobsOf(ctx, campaign.campaignId, { kind: KIND, round })
      .filter((j) => j.state === 'failed')
      .map((j) => ({ siteId: j.siteId, code: j.failureCode ?? 'FAILED', message: j.failureMessage ?? '' }));
    const results = (
      ctx.db
        .prepare('SELECT site_id, signed_json, tensor_data FROM results WHERE campaign_id = ? AND kind = ? AND round = ? AND is_error = 0 ORDER BY site_id')
        .all(campaign.campaignId, KIND, round) as Array<{ site_id: string; signed_json: string; tensor_data: Buffer | null }>
    ).map((r) => ({ siteId: r.site_id, update: storedUpdate(r.signed_json, r.tensor_data) as unknown }));
    let cv: CvState | CoxCvState;
    try {
      cv = method.aggregate(state.cv, results, failures).state;
    } catch (e) {
      const err = e as { code?: string; message: string };
      return { status: 'failed', code: err.code ?? 'TUNING_FAILED', message: `Tuning exchange ${round} (alpha ${settings.alpha}): ${err.message}` };
    }
    if (cv.phase !== 'done') return { status: 'again', input: { ...state, round: round + 1, cv } };
    const { coefficients: _c, nonzero: _n, foldValues: _f, ...curve } = result(cv);
    const finished = [...state.finished, curve];
    if (state.alphaIndex + 1 < tuningAlphas(campaign.protocol).length) {
      return { status: 'again', input: { round: round + 1, alphaIndex: state.alphaIndex + 1, cv: methodAt(campaign.protocol, features, state.alphaIndex + 1).method.initialState(), finished } };
    }
    const { chosen, best } = bestAlpha(finished);
    const rule = campaign.protocol.tuning?.rule ?? '1se';
    return {
      status: 'done',
      output: {
        lambda: rule === 'min' ? chosen.lambdaMin : chosen.lambda1se,
        alpha: chosen.alpha,
        lambdaMin: chosen.lambdaMin,
        lambda1se: chosen.lambda1se,
        rule,
        measure: chosen.measure,
        features,
        ...(basedOn ? { basedOn } : {}),
        lambdas: chosen.lambda,
        cvm: chosen.cvm,
        cvsd: chosen.cvsd,
        folds: chosen.folds,
        sampleCount: chosen.sampleCount,
        alphas: finished.map((f, i) => ({ alpha: f.alpha, lambdaMin: f.lambdaMin, lambda1se: f.lambda1se, best: best[i] })),
      },
    };
  },
  jobKind: tuneRound,
};
