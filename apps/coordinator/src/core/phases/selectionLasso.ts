import {
  crossValidationMethod, lassoStep, pathResult, protocolLassoChoice, protocolLassoSettings,
  type CvState, type CvStepParams, type CvStepUpdate, type FeatureStatistics, type LassoChoice, type SelectionStep,
} from '@fedrad/methods';
import type { CampaignProtocol, JobEnvelope, TuneRoundParams } from '@fedrad/protocol';
import type { CampaignRecord } from '../campaignStore.js';
import { nowIso, type CoreContext } from '../context.js';
import { createJob, jobsOf, type JobRecord } from '../jobs.js';
import type { Refused } from './phase.js';
import { storedUpdate } from './training.js';
import { trainingSettings } from './trainingSettings.js';
import { exchangeTranscript } from './transcript.js';

const KIND = 'tune-round';

/** What the selection's filters left, carried through the LASSO path's exchanges into the step's output. */
export interface FilteredSelection {
  kept: string[];
  steps: SelectionStep[];
  statistics: Record<string, FeatureStatistics>;
  sampleCount: number;
  sites: string[];
  from: 'reproducibility' | 'protocol';
  basedOn?: string;
  harmonizationHash?: string;
}

/** One exchange of the LASSO path: its number, the path's state it was configured from, and the filters' result. */
export interface LassoRoundState {
  round: number;
  cv: CvState;
  filtered: FilteredSelection;
}

/** The protocol's selection.lasso as the LASSO step's choice (@fedrad/methods' protocolLassoChoice, which a site reads too); undefined without one. */
export const lassoChoice = (protocol: CampaignProtocol): LassoChoice | undefined => protocolLassoChoice(protocol);

/** A tune-round job of the LASSO path rather than of the tuning step: it has no folds. */
export const isLassoPathJob = (params: unknown): boolean => (params as TuneRoundParams | undefined)?.folds?.scheme === 'none';

/** The path's method: the pure step a site recomputes to check each exchange's coefficients under shareSiteUpdates. */
function methodOf(protocol: CampaignProtocol, features: string[]) {
  return crossValidationMethod(protocolLassoSettings(protocol, features));
}

export function latestLassoRound(ctx: CoreContext, campaignId: string): LassoRoundState | undefined {
  const row = ctx.db.prepare('SELECT state_json FROM selection_lasso_rounds WHERE campaign_id = ? ORDER BY round DESC LIMIT 1').get(campaignId) as { state_json: string } | undefined;
  return row && (JSON.parse(row.state_json) as LassoRoundState);
}

/** The first state of the path, on the features the filters kept. */
export function firstLassoRound(protocol: CampaignProtocol, filtered: FilteredSelection): LassoRoundState {
  return { round: 0, cv: methodOf(protocol, filtered.kept).initialState(), filtered };
}

/**
 * Sends one exchange of the path: a tune-round job per training site without folds (the sums
 * over all its rows at the path's coefficients, @fedrad/methods' cvSiteStep), numbered before
 * the tuning step's exchanges so a site sees one increasing sequence. Under training.shareSiteUpdates
 * every exchange after the first carries the previous one's signed answers, from which each site
 * recomputes this exchange's coefficients (apps/site-node's exchangeTrajectory.ts).
 */
export function openLassoRound(ctx: CoreContext, campaign: CampaignRecord, state: LassoRoundState): JobEnvelope[] {
  ctx.db.prepare('INSERT INTO selection_lasso_rounds (campaign_id, round, state_json, opened_at) VALUES (?, ?, ?, ?)').run(campaign.campaignId, state.round, JSON.stringify(state), nowIso(ctx));
  const choice = lassoChoice(campaign.protocol)!;
  const sites = [...campaign.protocol.trainingSites].sort();
  const configs = methodOf(campaign.protocol, state.filtered.kept).configure(state.cv, sites);
  const { basedOn, harmonizationHash } = state.filtered;
  const deadline = trainingSettings(campaign.protocol).deadlineSeconds;
  const transcript = campaign.protocol.training.shareSiteUpdates && state.round > 0 ? { transcript: exchangeTranscript(ctx, campaign, KIND, state.round - 1) } : {};
  return sites.map((siteId) => {
    const { kind: _cv, resampling: _none, ...step } = configs[siteId];
    const params = { kind: KIND, round: state.round, alpha: choice.alpha, ...step, ...(basedOn ? { basedOn } : {}), ...(harmonizationHash !== undefined ? { harmonizationHash } : {}), ...transcript } as TuneRoundParams;
    return createJob(ctx, { jobId: `${campaign.campaignId}/tune/r${state.round}/${siteId}`, campaignId: campaign.campaignId, protocolHash: campaign.protocolHash, siteId, kind: KIND, round: state.round, params }, deadline);
  });
}

export function lassoRoundOpen(ctx: CoreContext, campaignId: string, round: number): boolean {
  return jobsOf(ctx, campaignId, { kind: KIND, round }).some((j) => j.state === 'open');
}

/**
 * Aggregates the latest exchange: the next exchange while the path runs, else the LASSO step on
 * the path (lassoStep, as `fedrad select --sites`) appended to the filters' steps.
 */
export function closeLassoRound(
  ctx: CoreContext,
  campaign: CampaignRecord,
): { next: LassoRoundState } | { done: FilteredSelection } | { failed: string } {
  const state = latestLassoRound(ctx, campaign.campaignId)!;
  const { filtered } = state;
  const method = methodOf(campaign.protocol, filtered.kept);
  const failures = jobsOf(ctx, campaign.campaignId, { kind: KIND, round: state.round })
    .filter((j) => j.state === 'failed')
    .map((j) => ({ siteId: j.siteId, code: j.failureCode ?? 'FAILED', message: j.failureMessage ?? '' }));
  const results = (
    ctx.db
      .prepare('SELECT site_id, signed_json, tensor_data FROM results WHERE campaign_id = ? AND kind = ? AND round = ? AND is_error = 0 ORDER BY site_id')
      .all(campaign.campaignId, KIND, state.round) as Array<{ site_id: string; signed_json: string; tensor_data: Buffer | null }>
  ).map((r) => ({ siteId: r.site_id, update: storedUpdate(r.signed_json, r.tensor_data) as unknown as CvStepUpdate }));
  let cv: CvState;
  try {
    cv = method.aggregate(state.cv, results, failures).state;
  } catch (e) {
    return { failed: `LASSO path exchange ${state.round}: ${(e as Error).message}` };
  }
  if (cv.phase !== 'done') return { next: { round: state.round + 1, cv, filtered } };
  const statistics = structuredClone(filtered.statistics);
  try {
    const lasso = lassoStep(pathResult(cv), filtered.kept, lassoChoice(campaign.protocol)!, statistics);
    return { done: { ...filtered, kept: lasso.kept, steps: [...filtered.steps, lasso.step], statistics } };
  } catch (e) {
    return { failed: (e as Error).message };
  }
}

/** A result of a path exchange counts only while the selection step is in that exchange. */
export function lassoJobStale(ctx: CoreContext, campaign: CampaignRecord, job: JobRecord): Refused | undefined {
  const latest = latestLassoRound(ctx, campaign.campaignId);
  if (campaign.phase !== 'selection' || !latest || latest.round !== job.round) {
    return { code: 'STALE_ROUND', message: `LASSO path exchange ${job.round} of ${job.campaignId} is closed; its results can no longer count` };
  }
  return undefined;
}

/** The sums an exchange of the path asks for, every one and nothing more. */
export function lassoJobCheck(campaign: CampaignRecord, job: JobRecord, body: { tensors?: Array<{ name: string; data: ArrayLike<number> }> }): Refused | undefined {
  const params = job.params as TuneRoundParams;
  const layout = methodOf(campaign.protocol, params.features).layout(params as unknown as CvStepParams);
  for (const [name, shape] of Object.entries(layout)) {
    const length = shape.reduce((a, b) => a * b, 1);
    const t = body.tensors?.find((x) => x.name === name);
    if (!t || t.data.length !== length) return { code: 'UPDATE_INVALID', message: `The LASSO path sums of job ${job.jobId} need tensor "${name}" with ${length} values; got ${t ? t.data.length : 'none'}` };
  }
  const foreign = body.tensors?.find((t) => !(t.name in layout));
  if (foreign) return { code: 'UPDATE_INVALID', message: `The LASSO path sums of job ${job.jobId} hold tensor "${foreign.name}", which this exchange does not ask for` };
  return undefined;
}
