import { filterReproducible, iccCombine, type IccForm, type IccSiteSummary } from '@fedrad/harmonize';
import type { CampaignProtocol, ReproducibilityParams, ReproducibilityResult } from '@fedrad/protocol';
import type { CoreContext } from '../context.js';
import { createJob, jobsOf } from '../jobs.js';
import { featureConfigHashOf } from './extraction.js';
import type { JobKind, Phase } from './phase.js';
import { trainingSettings } from './trainingSettings.js';

const KIND = 'reproducibility';

/**
 * What the reproducibility step produced (the shared contract: `kept`, `dropped`, `form`,
 * `threshold`, `on`; the selection step starts from `kept` and ranks by `keptIcc`), and how it was made: what RQS item 2
 * ("multiple segmentations") and the report read — how many measurements per patient, of what kind,
 * on how many patients at which sites.
 */
export interface ReproducibilityOutput {
  kept: string[];
  /** Each feature below the threshold with its ICC (the form's estimate) and the CI's lower bound. */
  dropped: Array<{ feature: string; icc: number; lower: number }>;
  /** Each kept feature's ICC and lower bound likewise: the selection step's `prefer: reproducibility` ranks by them. */
  keptIcc: Array<{ feature: string; icc: number; lower: number }>;
  form: IccForm;
  threshold: number;
  on: 'estimate' | 'lower';
  confidence: number;
  /** Features with no variation over any patient and measurement: no ICC exists (0/0), so none is kept. */
  constant: string[];
  source: 'segmentations' | 'perturbations';
  perturbations?: string[];
  /** k: measurements of each patient (segmentations or perturbations): RQS item 2's "segmentations". */
  segmentations: number;
  /** In words, for the report and RQS: e.g. "ICC(2,1) over 2 segmentations per patient, threshold 0.75 on the estimate". */
  method: string;
  patients: number;
  /** Patients per site whose sums were pooled. */
  sites: Record<string, number>;
  featureConfigHash: string;
}

/** The protocol's reproducibility section with its defaults filled in (the local twin's defaults). */
export function reproducibilityPlan(protocol: CampaignProtocol) {
  const r = protocol.reproducibility!;
  return {
    source: r.source,
    form: (r.form ?? 'ICC(2,1)') as IccForm,
    threshold: r.threshold,
    on: r.on ?? 'estimate',
    confidence: r.confidence ?? 0.95,
    ...(r.source === 'perturbations' ? { perturbations: r.perturbations!, seed: r.seed ?? 1 } : {}),
  };
}

function paramsOf(protocol: CampaignProtocol): ReproducibilityParams {
  const plan = reproducibilityPlan(protocol);
  return {
    kind: KIND,
    source: plan.source,
    featureConfig: protocol.featureConfig!,
    featureConfigHash: featureConfigHashOf(protocol),
    ...(plan.perturbations ? { perturbations: plan.perturbations, seed: plan.seed } : {}),
  };
}

/**
 * The reproducibility job: a training site's ANOVA sums over its extracted patients measured k
 * times. Extraction of further segmentations takes the extract step's time, so the same deadline.
 */
const reproducibilityJob: JobKind = {
  kind: KIND,
  jobId: (campaignId, siteId) => `${campaignId}/${KIND}/${siteId}`,
  attempts: (protocol) => {
    const t = trainingSettings(protocol);
    return { deadlineSeconds: Math.max(t.deadlineSeconds, 3600), maxAttempts: t.maxAttempts };
  },
  check(campaign, _job, body) {
    const result = body as Partial<ReproducibilityResult>;
    if (result.kind !== KIND) return { code: 'UPDATE_INVALID', message: `A reproducibility job is answered with a reproducibility result, not ${String(result.kind)}.` };
    const p = campaign.protocol;
    const pinned = featureConfigHashOf(p);
    if (result.featureConfigHash !== pinned) return { code: 'UPDATE_INVALID', message: `The reproducibility result is for feature config ${String(result.featureConfigHash)}, not the protocol's ${pinned}.` };
    if (result.source !== p.reproducibility!.source) return { code: 'UPDATE_INVALID', message: `The reproducibility result measured ${String(result.source)}, the protocol asks for ${p.reproducibility!.source}.` };
    const k = result.readerCount!;
    if (p.reproducibility!.source === 'perturbations' && k !== p.reproducibility!.perturbations!.length) {
      return { code: 'UPDATE_INVALID', message: `The reproducibility result has ${k} measurements per patient; the protocol lists ${p.reproducibility!.perturbations!.length} perturbations.` };
    }
    const bad = result.features!.find((f) => f.readerDeviation.length !== k);
    if (bad) return { code: 'UPDATE_INVALID', message: `Feature ${bad.name} has ${bad.readerDeviation.length} reader deviations, not one per measurement (${k}).` };
    return undefined;
  },
  acceptedEvent: 'result-accepted',
};

/** Each site's accepted result (the signed text the results table keeps), by site id. */
function siteResults(ctx: CoreContext, campaignId: string): Map<string, ReproducibilityResult> {
  const rows = ctx.db.prepare('SELECT site_id, signed_json FROM results WHERE campaign_id = ? AND kind = ? AND is_error = 0 ORDER BY site_id').all(campaignId, KIND) as Array<{ site_id: string; signed_json: string }>;
  return new Map(rows.map((r) => [r.site_id, (JSON.parse(r.signed_json) as { result: ReproducibilityResult }).result]));
}

function summaryOf(r: ReproducibilityResult): IccSiteSummary {
  return {
    patientCount: r.patientCount,
    readerCount: r.readerCount,
    featureNames: r.features.map((f) => f.name),
    mean: r.features.map((f) => f.mean),
    readerDeviation: r.features.flatMap((f) => f.readerDeviation),
    betweenCases: r.features.map((f) => f.betweenCases),
    withinCases: r.features.map((f) => f.withinCases),
  };
}

/** The summaries without the features that vary nowhere (no ICC exists for them); those are returned apart. */
function withoutConstant(summaries: ReadonlyMap<string, IccSiteSummary>): { summaries: Map<string, IccSiteSummary>; constant: string[] } {
  const all = [...summaries.values()];
  const names = all[0].featureNames;
  const varies = names.map((_, f) => all.some((s) => s.betweenCases[f] + s.withinCases[f] > 0) || all.some((s) => s.mean[f] !== all[0].mean[f]));
  const constant = names.filter((_, f) => !varies[f]);
  if (constant.length === 0) return { summaries: new Map(summaries), constant };
  const keep = (xs: readonly number[], width = 1) => xs.filter((_, i) => varies[Math.floor(i / width)]);
  return {
    constant,
    summaries: new Map([...summaries].map(([siteId, s]) => [siteId, {
      ...s, featureNames: keep(names.map((_, f) => f)).map((f) => names[f]), mean: keep(s.mean), betweenCases: keep(s.betweenCases), withinCases: keep(s.withinCases), readerDeviation: keep(s.readerDeviation, s.readerCount),
    }])),
  };
}

/**
 * The campaign's reproducibility step (issue #12 item 1), after extraction: every training site
 * sends the two-way ANOVA sums of its patients measured k times; the coordinator pools them into
 * every feature's ICC with its interval (iccCombine: equal to the ICC of the pooled cells, as
 * `fedrad reproducibility --sites` computes it) and keeps the features whose chosen form (estimate
 * or lower bound) reaches the threshold (Koo & Li 2016). Training needs its quorum of sites.
 * What a protocol may ask of it is checked at creation (protocolSupport.ts, reproducibility.*).
 */
export const reproducibility: Phase<void, ReproducibilityOutput> = {
  name: 'reproducibility',
  campaignState: 'training',
  applies: (protocol) => protocol.reproducibility !== undefined,
  open(ctx, campaign) {
    const p = campaign.protocol;
    const params = paramsOf(p);
    const { deadlineSeconds } = reproducibilityJob.attempts(p);
    return [...p.trainingSites]
      .sort()
      .map((siteId) =>
        createJob(ctx, { jobId: reproducibilityJob.jobId(campaign.campaignId, siteId), campaignId: campaign.campaignId, protocolHash: campaign.protocolHash, siteId, kind: KIND, params }, deadlineSeconds),
      );
  },
  ready: (ctx, campaign) => !jobsOf(ctx, campaign.campaignId, { kind: KIND }).some((j) => j.state === 'open'),
  close(ctx, campaign) {
    const p = campaign.protocol;
    const plan = reproducibilityPlan(p);
    const jobs = jobsOf(ctx, campaign.campaignId, { kind: KIND });
    const reasons = jobs.filter((j) => j.state === 'failed').map((j) => `${j.siteId} ${j.failureCode}: ${j.failureMessage}`);
    const results = siteResults(ctx, campaign.campaignId);
    const quorum = trainingSettings(p).quorum;
    if (results.size < quorum || results.size === 0) {
      return { status: 'failed', code: 'REPRODUCIBILITY_FAILED', message: `Only ${results.size} training site(s) measured reproducibility, fewer than the quorum of ${quorum}: ${reasons.join('; ')}` };
    }
    let output: ReproducibilityOutput;
    try {
      const { summaries, constant } = withoutConstant(new Map([...results].map(([siteId, r]) => [siteId, summaryOf(r)])));
      const first = [...summaries.values()][0];
      const iccs = first.featureNames.length > 0 ? iccCombine(summaries, { confidence: plan.confidence }) : [];
      const decisions = filterReproducible(iccs, { form: plan.form, threshold: plan.threshold, on: plan.on });
      const k = first.readerCount;
      const sites = Object.fromEntries([...results].map(([siteId, r]) => [siteId, r.patientCount]));
      output = {
        kept: decisions.filter((d) => d.kept).map((d) => d.feature),
        dropped: iccs.filter((_, i) => !decisions[i].kept).map((r) => ({ feature: r.feature, icc: r.forms[plan.form].estimate, lower: r.forms[plan.form].lower })),
        keptIcc: iccs.filter((_, i) => decisions[i].kept).map((r) => ({ feature: r.feature, icc: r.forms[plan.form].estimate, lower: r.forms[plan.form].lower })),
        form: plan.form,
        threshold: plan.threshold,
        on: plan.on,
        confidence: plan.confidence,
        constant,
        source: plan.source,
        ...(plan.perturbations ? { perturbations: plan.perturbations } : {}),
        segmentations: k,
        method: `${plan.form} over ${k} ${plan.source === 'segmentations' ? 'segmentations' : 'perturbations'} per patient, threshold ${plan.threshold} on the ${plan.on === 'lower' ? "CI's lower bound" : 'estimate'}`,
        patients: Object.values(sites).reduce((a, b) => a + b, 0),
        sites,
        featureConfigHash: featureConfigHashOf(p),
      };
    } catch (error) {
      // Sites that measured different features or a different number of times cannot be pooled: the step fails naming why.
      return { status: 'failed', code: 'REPRODUCIBILITY_FAILED', message: `The sites' reproducibility sums cannot be pooled: ${(error as Error).message}` };
    }
    if (output.kept.length === 0) {
      return { status: 'failed', code: 'REPRODUCIBILITY_FAILED', message: `No feature reaches ${plan.form} ≥ ${plan.threshold} (${plan.on}); the campaign has no reproducible feature to model.` };
    }
    return { status: 'done', output };
  },
  jobKind: reproducibilityJob,
};
