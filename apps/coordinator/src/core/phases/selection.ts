import { selectionMethod, type SelectionOptions, type SelectionSummary } from '@fedrad/methods';
import type { CampaignProtocol, SelectParams } from '@fedrad/protocol';
import type { CampaignRecord } from '../campaignStore.js';
import type { CoreContext } from '../context.js';
import { createJob, jobsOf } from '../jobs.js';
import { stepOutput } from '../stepOutputs.js';
import { harmonizationHashOf } from './harmonization.js';
import type { JobKind, Phase, PhaseOutcome } from './phase.js';
import { closeLassoRound, firstLassoRound, lassoChoice, lassoRoundOpen, latestLassoRound, openLassoRound, type FilteredSelection, type LassoRoundState } from './selectionLasso.js';
import type { SelectionOutput } from './stepSettings.js';
import { storedUpdate } from './training.js';
import { trainingSettings } from './trainingSettings.js';

const KIND = 'select';

/** The reproducibility step's output as far as selection reads it. */
interface ReproducibilityStep {
  kept: string[];
  keptIcc: Array<{ feature: string; icc: number; lower: number }>;
  form: string;
  on: 'estimate' | 'lower';
}

/**
 * The protocol's selection section as the selection method's options (steps it does not name do
 * not run). `prefer: reproducibility` ranks a correlated cluster by the reproducibility step's ICC
 * of each kept feature, compared as that step compared them (its form, estimate or lower bound),
 * as `fedrad select --reproducibility icc.json --prefer reproducibility` does with the twin's report.
 */
export function selectionOptions(protocol: CampaignProtocol, reproducibility?: ReproducibilityStep): SelectionOptions {
  const s = protocol.selection ?? {};
  const byIcc = s.maxCorrelation !== undefined && s.prefer === 'reproducibility' && reproducibility !== undefined;
  return {
    // A survival outcome's univariate test is the Cox score test stratified by site, with the model's ties.
    ...(protocol.outcome.type === 'survival' ? { survival: { ties: protocol.model.ties ?? 'breslow' } } : {}),
    ...(s.minSd !== undefined ? { minSd: s.minSd } : {}),
    ...(byIcc ? { icc: { values: new Map(reproducibility.keptIcc.map((k) => [k.feature, reproducibility.on === 'lower' ? k.lower : k.icc])), form: reproducibility.form, on: reproducibility.on } } : {}),
    ...(s.fdr !== undefined ? { univariate: { fdr: s.fdr } } : {}),
    ...(s.maxCorrelation !== undefined ? { correlation: { threshold: s.maxCorrelation, prefer: s.prefer ?? 'association' } } : {}),
  };
}

/**
 * The features the selection starts from: the protocol's features the reproducibility step kept
 * when it ran (the protocol's list is the pre-registered candidate set, and a site refuses any
 * other feature), else the protocol's.
 */
function candidates(ctx: CoreContext, campaign: CampaignRecord): { features: string[]; from: SelectionOutput['from']; basedOn?: string } {
  const reproducibility = stepOutput<{ kept: string[] }>(ctx, campaign.campaignId, 'reproducibility');
  if (reproducibility) {
    const kept = new Set(reproducibility.output.kept);
    const features = campaign.protocol.features ? campaign.protocol.features.filter((f) => kept.has(f)) : reproducibility.output.kept;
    return { features, from: 'reproducibility', basedOn: reproducibility.outputHash };
  }
  return { features: campaign.protocol.features ?? [], from: 'protocol' };
}

function methodFor(ctx: CoreContext, campaign: CampaignRecord, features: string[]) {
  const reproducibility = stepOutput<ReproducibilityStep>(ctx, campaign.campaignId, 'reproducibility')?.output;
  return selectionMethod({ features, minCohortSize: campaign.protocol.minCohortSize, ...selectionOptions(campaign.protocol, reproducibility) });
}

/** The select job: one per training site; its result is the site's sums and cross-products. */
const select: JobKind = {
  kind: KIND,
  jobId: (campaignId, siteId) => `${campaignId}/select/${siteId}`,
  attempts: (protocol) => trainingSettings(protocol),
  check(campaign, job, body) {
    const result = body as { kind?: string; tensors?: Array<{ name: string; data: ArrayLike<number> }> };
    if (result.kind !== KIND) return undefined; // an error report: the job fails with it
    const params = job.params as SelectParams;
    // The sums a select job returns do not depend on the filters run on them.
    const layout = selectionMethod({ features: params.features, minCohortSize: campaign.protocol.minCohortSize, ...(params.survival ? { survival: params.survival } : {}) }).layout({ kind: 'select-summary', features: params.features, minCohortSize: params.minCohortSize });
    for (const [name, shape] of Object.entries(layout)) {
      const length = shape.reduce((a, b) => a * b, 1);
      const t = result.tensors?.find((x) => x.name === name);
      if (!t || t.data.length !== length) return { code: 'UPDATE_INVALID', message: `The selection sums of job ${job.jobId} need tensor "${name}" with ${length} values; got ${t ? t.data.length : 'none'}` };
    }
    return undefined;
  },
  acceptedEvent: 'result-accepted',
};

type SelectionStepOutput = SelectionOutput & { statistics: unknown; sampleCount: number; sites: string[] };

/** The step's output from what the filters (and the LASSO path, when it ran) kept. */
function finished(filtered: FilteredSelection): PhaseOutcome<unknown, SelectionStepOutput> {
  const { kept: features, steps, statistics, sampleCount, sites, from, basedOn } = filtered;
  if (features.length === 0) return { status: 'failed', code: 'SELECTION_FAILED', message: `The selection kept no feature: ${steps.map((s) => `${s.step} removed ${s.removed.length}`).join(', ')}.` };
  return { status: 'done', output: { features, steps, statistics, sampleCount, sites, from, ...(basedOn ? { basedOn } : {}) } };
}

/**
 * Feature selection (issue #12, item 3) on the training sites' pooled sums: one select job per
 * training site (selectionSiteSummary at the site), then @fedrad/methods' selection steps on the
 * pooled moments — the same computation as `fedrad select --sites`. Its output's `features` are
 * the model's from here on (training, lock, evaluation: stepSettings.ts).
 * With selection.lasso, the step goes on after the filters with the LASSO path on the features
 * they kept (selectionLasso.ts): tune-round exchanges without folds, as many as the path needs,
 * then glmnet's non-zero coefficients at the protocol's λ or the first maxFeatures to enter.
 */
export const selection: Phase<unknown, SelectionStepOutput> = {
  name: 'selection',
  campaignState: 'training',
  applies: (protocol) => protocol.selection !== undefined,
  open(ctx, campaign, input) {
    const lasso = (input as { lasso?: LassoRoundState } | undefined)?.lasso;
    if (lasso) return openLassoRound(ctx, campaign, lasso);
    const from = candidates(ctx, campaign);
    // The harmonisation each site applies to its rows before its sums, by the hash of the step that made it.
    const harmonizationHash = harmonizationHashOf(ctx, campaign.campaignId);
    const params: SelectParams = {
      kind: KIND, features: from.features, minCohortSize: campaign.protocol.minCohortSize,
      ...(campaign.protocol.outcome.type === 'survival' ? { survival: { ties: campaign.protocol.model.ties ?? 'breslow' } } : {}),
      ...(from.basedOn ? { basedOn: from.basedOn } : {}), ...(harmonizationHash !== undefined ? { harmonizationHash } : {}),
    };
    const settings = trainingSettings(campaign.protocol);
    return [...campaign.protocol.trainingSites]
      .sort()
      .map((siteId) => createJob(ctx, { jobId: select.jobId(campaign.campaignId, siteId), campaignId: campaign.campaignId, protocolHash: campaign.protocolHash, siteId, kind: KIND, params }, settings.deadlineSeconds));
  },
  ready(ctx, campaign) {
    const lasso = latestLassoRound(ctx, campaign.campaignId);
    return lasso ? !lassoRoundOpen(ctx, campaign.campaignId, lasso.round) : !jobsOf(ctx, campaign.campaignId, { kind: KIND }).some((j) => j.state === 'open');
  },
  close(ctx, campaign) {
    if (latestLassoRound(ctx, campaign.campaignId)) {
      const outcome = closeLassoRound(ctx, campaign);
      if ('failed' in outcome) return { status: 'failed', code: 'SELECTION_FAILED', message: outcome.failed };
      return 'next' in outcome ? { status: 'again', input: { lasso: outcome.next } } : finished(outcome.done);
    }
    const from = candidates(ctx, campaign);
    if (from.features.length === 0) return { status: 'failed', code: 'SELECTION_FAILED', message: 'The reproducibility step kept no feature; there is nothing to select from.' };
    const jobs = jobsOf(ctx, campaign.campaignId, { kind: KIND });
    const failures = jobs.filter((j) => j.state === 'failed').map((j) => ({ siteId: j.siteId, code: j.failureCode ?? 'FAILED', message: j.failureMessage ?? '' }));
    const results = (
      ctx.db
        .prepare('SELECT site_id, signed_json, tensor_data FROM results WHERE campaign_id = ? AND kind = ? AND is_error = 0 ORDER BY site_id')
        .all(campaign.campaignId, KIND) as Array<{ site_id: string; signed_json: string; tensor_data: Buffer | null }>
    ).map((r) => {
      const body = storedUpdate(r.signed_json, r.tensor_data) as unknown as { patientCount: number; eventCount: number; tensors: SelectionSummary['tensors'] };
      return { siteId: r.site_id, update: { sampleCount: body.patientCount, eventCount: body.eventCount, tensors: body.tensors } };
    });
    let state;
    try {
      state = methodFor(ctx, campaign, from.features).aggregate({}, results, failures).state;
    } catch (e) {
      return { status: 'failed', code: 'SELECTION_FAILED', message: (e as Error).message };
    }
    const harmonizationHash = harmonizationHashOf(ctx, campaign.campaignId);
    const filtered: FilteredSelection = {
      kept: state.kept!, steps: state.steps!, statistics: state.statistics!, sampleCount: state.moments!.n, sites: results.map((r) => r.siteId), from: from.from,
      ...(from.basedOn ? { basedOn: from.basedOn } : {}), ...(harmonizationHash !== undefined ? { harmonizationHash } : {}),
    };
    if (lassoChoice(campaign.protocol) === undefined || filtered.kept.length === 0) return finished(filtered);
    return { status: 'again', input: { lasso: firstLassoRound(campaign.protocol, filtered) } };
  },
  jobKind: select,
};
