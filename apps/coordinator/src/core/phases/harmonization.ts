import { canonicalHash, harmonizeBasisHash, type CampaignProtocol, type HarmonizeParams, type HarmonizeResult } from '@fedrad/protocol';
import type { CampaignRecord } from '../campaignStore.js';
import type { CoreContext } from '../context.js';
import { createJob, jobsOf } from '../jobs.js';
import { stepOutput } from '../stepOutputs.js';
import { combatCovariateBeta, combatCovariatesOf, harmonizationEstimates, harmonizationMethodOf, type HarmonizationOutput } from './harmonizationEstimates.js';
import type { JobKind, Phase } from './phase.js';
import { trainingSettings } from './trainingSettings.js';

const KIND = 'harmonize';

/**
 * The features harmonised: the protocol's (every later step chooses among them — selection from
 * those the reproducibility step kept — and without a selection step training uses all of them, so
 * each must have its estimate); the reproducibility step's kept features only for a protocol that
 * lists none.
 */
function harmonisedFeatures(ctx: CoreContext, campaign: CampaignRecord): string[] {
  if (campaign.protocol.features) return [...campaign.protocol.features];
  return [...(stepOutput<{ kept?: string[] }>(ctx, campaign.campaignId, 'reproducibility')?.output?.kept ?? [])];
}

/** Every site of the campaign, training and test, sorted. */
const allSites = (p: CampaignProtocol): string[] => [...new Set([...p.trainingSites, ...p.testSites])].sort();

/**
 * The harmonize job (harmonize-params): exchange 1 is a site's moments, exchange 2 the apply job
 * with its own estimate (`<campaign>/harmonize/<site>` and `…/<site>/2`, SITE_CHANNEL.md §3).
 * A moments result must hold one mean and one sum of squares per feature asked for; an apply
 * result must name the harmonisation it was sent.
 */
const harmonize: JobKind = {
  kind: KIND,
  jobId: (campaignId, siteId, exchange) => `${campaignId}/harmonize/${siteId}${exchange !== undefined && exchange > 1 ? `/${exchange}` : ''}`,
  attempts: (protocol) => trainingSettings(protocol),
  check(_campaign, job, body) {
    const result = body as Partial<HarmonizeResult>;
    if (result.kind !== 'harmonize') return undefined; // an error report: the job fails with it
    const params = job.params as HarmonizeParams;
    if (result.stage !== params.stage) return { code: 'UPDATE_INVALID', message: `A harmonize ${params.stage} job answered with a ${String(result.stage)} result.` };
    const p = params.features.length;
    if (params.stage === 'moments' && (result.featureMean?.length !== p || result.sumSq?.length !== p)) {
      return { code: 'UPDATE_INVALID', message: `A harmonize moments result must hold a mean and a sum of squares for each of the ${p} features.` };
    }
    const q = params.covariates?.length ?? 0;
    if (params.stage === 'moments' && q > 0 && (result.covariateMean?.length !== q || result.covariateScatter?.length !== q * q || result.crossScatter?.length !== q * p)) {
      return { code: 'UPDATE_INVALID', message: `A ComBat moments result with ${q} covariates must hold their means, their ${q} × ${q} scatter and their ${q} × ${p} cross-products with the features.` };
    }
    if (params.stage === 'residuals' && result.sumSq?.length !== p) {
      return { code: 'UPDATE_INVALID', message: `A harmonize residuals result must hold a residual sum of squares for each of the ${p} features.` };
    }
    if (params.stage === 'apply' && result.harmonizationHash !== params.harmonizationHash) {
      return { code: 'UPDATE_INVALID', message: `The site kept harmonisation ${String(result.harmonizationHash)}, not the ${params.harmonizationHash} it was sent.` };
    }
    if (params.stage === 'apply' && (result.summaries?.length !== p || result.summaries.some((s, j) => s.name !== params.features[j]))) {
      return { code: 'UPDATE_INVALID', message: `A harmonize apply result must summarise each of the ${p} features asked for, in their order, before and after harmonisation.` };
    }
    return undefined;
  },
  store(ctx, job, body, at) {
    const result = body as HarmonizeResult;
    ctx.db
      .prepare('INSERT OR REPLACE INTO harmonizations (campaign_id, site_id, stage, result_json, received_at) VALUES (?, ?, ?, ?, ?)')
      .run(job.campaignId, job.siteId, result.stage, JSON.stringify(body), at);
  },
  acceptedEvent: 'harmonization-received',
};

/** The stored answers of one exchange, by site. */
function resultsOf(ctx: CoreContext, campaignId: string, stage: HarmonizeParams['stage']): Map<string, HarmonizeResult> {
  const rows = ctx.db.prepare('SELECT site_id, result_json FROM harmonizations WHERE campaign_id = ? AND stage = ? ORDER BY site_id').all(campaignId, stage) as Array<{ site_id: string; result_json: string }>;
  return new Map(rows.map((r) => [r.site_id, JSON.parse(r.result_json) as HarmonizeResult]));
}

const momentsOf = (ctx: CoreContext, campaignId: string) => resultsOf(ctx, campaignId, 'moments');
const residualsOf = (ctx: CoreContext, campaignId: string) => resultsOf(ctx, campaignId, 'residuals');

/**
 * Each site's feature summaries before and after it applied its estimate (issue #14: the report's
 * per-site distributions; counts, means and SDs only), from its stored apply answer. They stay
 * beside the step's output, not in it: the output's hash is what each site keeps its estimate
 * under, sent before any site answered, so it cannot cover their answers.
 */
export function harmonizedSiteSummaries(ctx: CoreContext, campaignId: string): Array<{ siteId: string; features: NonNullable<HarmonizeResult['summaries']> }> {
  return [...resultsOf(ctx, campaignId, 'apply')].filter(([, r]) => r.summaries).map(([siteId, r]) => ({ siteId, features: r.summaries! }));
}

/** The sites that get an apply job, and so keep a harmonisation: each that sent its moments, or every site when none are asked for. */
function applySites(ctx: CoreContext, campaign: CampaignRecord): string[] {
  const p = campaign.protocol;
  const method = harmonizationMethodOf(p);
  // With ComBat covariates, the sites that sent their residual sums for β (each sent its moments first).
  const moments = combatCovariatesOf(p).length > 0 ? residualsOf(ctx, campaign.campaignId) : momentsOf(ctx, campaign.campaignId);
  if (method === 'zscore-site') return allSites(p);
  // Pooled z-scoring needs no moments of a test site: it is handed the training sites' standardisation.
  return allSites(p).filter((s) => moments.has(s) || (method === 'zscore-pooled' && p.testSites.includes(s)));
}

/** The step's output and every site's estimate, recomputed from the stored moments (deterministic, so open and close agree). */
function estimatesOf(ctx: CoreContext, campaign: CampaignRecord) {
  return harmonizationEstimates(campaign.protocol, harmonisedFeatures(ctx, campaign), momentsOf(ctx, campaign.campaignId), applySites(ctx, campaign), residualsOf(ctx, campaign.campaignId));
}

/** Sites whose jobs of this exchange failed, with the reason each gave. */
function failures(ctx: CoreContext, campaignId: string, stage: HarmonizeParams['stage']): string[] {
  return jobsOf(ctx, campaignId, { kind: KIND })
    .filter((j) => j.state === 'failed' && (j.params as HarmonizeParams).stage === stage)
    .map((j) => `${j.siteId} ${j.failureCode}: ${j.failureMessage}`);
}

/**
 * Harmonisation of the features across sites (analysisPlan.harmonization; issue #12 item 2), after
 * extraction (and the reproducibility filter) and before selection and training. ComBat and pooled
 * z-scoring take two exchanges: every site's moments (count, means, centred sums of squares: sums
 * only, refused by a site below the minimum cohort), then an apply job that hands each site its
 * own estimate only, which it keeps under the step's output hash. Per-site z-scoring is the apply
 * job alone. Independent test sites are harmonised without labels and without taking part in the
 * estimate: ComBat makes each its own batch against the training sites' standardisation, pooled
 * z-scoring hands it the training sites' mean and sd. Training, the lock and evaluation name the
 * step's output hash in their jobs; a site refuses a hash it does not hold. ComBat with covariates
 * (from each site's clinical table) has a middle exchange, distributed ComBat's second round (Chen
 * et al. 2022, Algorithm 1): β fitted from the training sites' moments is sent to every site that
 * sent moments, which answers with its residual sums; a test site's own batch then uses that β.
 */
export const harmonization: Phase<unknown, HarmonizationOutput> = {
  name: 'harmonization',
  campaignState: 'training',
  applies: (protocol) => harmonizationMethodOf(protocol) !== undefined,
  open(ctx, campaign) {
    const p = campaign.protocol;
    const method = harmonizationMethodOf(p)!;
    const features = harmonisedFeatures(ctx, campaign);
    const settings = trainingSettings(p);
    const job = (siteId: string, exchange: number, params: HarmonizeParams) =>
      createJob(ctx, { jobId: harmonize.jobId(campaign.campaignId, siteId, exchange), campaignId: campaign.campaignId, protocolHash: campaign.protocolHash, siteId, kind: KIND, params }, settings.deadlineSeconds);
    const asked = jobsOf(ctx, campaign.campaignId, { kind: KIND });
    const covariates = combatCovariatesOf(p);
    const withCovariates = covariates.length > 0 ? { covariates } : {};
    if (asked.length === 0 && method !== 'zscore-site') {
      // Pooled z-scoring asks only the training sites: a test site's moments would not be used.
      const sites = method === 'combat' ? allSites(p) : [...p.trainingSites].sort();
      return sites.map((siteId) => job(siteId, 1, { kind: KIND, stage: 'moments', method, features, ...withCovariates }));
    }
    if (covariates.length > 0 && !asked.some((j) => (j.params as HarmonizeParams).stage === 'residuals')) {
      const moments = momentsOf(ctx, campaign.campaignId);
      const beta = combatCovariateBeta(p, features, moments);
      return [...moments.keys()].sort().map((siteId) => job(siteId, 2, { kind: KIND, stage: 'residuals', method, features, covariates, beta, basisHash: harmonizeBasisHash(moments.get(siteId)!) }));
    }
    const { output, estimates } = estimatesOf(ctx, campaign);
    const harmonizationHash = canonicalHash(output);
    const exchange = method === 'zscore-site' ? 1 : covariates.length > 0 ? 3 : 2;
    return [...estimates].map(([siteId, estimate]) => job(siteId, exchange, { kind: KIND, stage: 'apply', method, features, ...withCovariates, ...estimate, harmonizationHash }));
  },
  ready: (ctx, campaign) => !jobsOf(ctx, campaign.campaignId, { kind: KIND }).some((j) => j.state === 'open'),
  close(ctx, campaign) {
    const p = campaign.protocol;
    const method = harmonizationMethodOf(p)!;
    const jobs = jobsOf(ctx, campaign.campaignId, { kind: KIND });
    const applied = jobs.some((j) => (j.params as HarmonizeParams).stage === 'apply');
    const quorum = trainingSettings(p).quorum;
    if (!applied) {
      const moments = momentsOf(ctx, campaign.campaignId);
      const trained = p.trainingSites.filter((s) => moments.has(s)).length;
      // ComBat needs two batches; every estimate needs the training quorum.
      const needed = Math.max(quorum, method === 'combat' ? 2 : 1);
      if (trained < needed) {
        return { status: 'failed', code: 'HARMONIZATION_FAILED', message: `Only ${trained} training site(s) sent their harmonisation moments, fewer than the ${needed} the estimate needs: ${failures(ctx, campaign.campaignId, 'moments').join('; ')}` };
      }
      const covariates = combatCovariatesOf(p);
      const residualsAsked = jobs.some((j) => (j.params as HarmonizeParams).stage === 'residuals');
      if (covariates.length > 0 && residualsAsked) {
        const residuals = residualsOf(ctx, campaign.campaignId);
        const lost = p.trainingSites.filter((s) => moments.has(s) && !residuals.has(s));
        if (lost.length > 0) {
          return { status: 'failed', code: 'HARMONIZATION_FAILED', message: `Training site(s) ${lost.join(', ')} sent moments, which the covariate coefficients pooled, but no residual sums: ${failures(ctx, campaign.campaignId, 'residuals').join('; ')}` };
        }
      }
      try {
        if (covariates.length > 0 && !residualsAsked) combatCovariateBeta(p, harmonisedFeatures(ctx, campaign), moments);
        else estimatesOf(ctx, campaign);
      } catch (error) {
        return { status: 'failed', code: 'HARMONIZATION_FAILED', message: `The harmonisation could not be estimated: ${(error as Error).message}` };
      }
      return { status: 'again', input: undefined };
    }
    const kept = new Set(jobs.filter((j) => j.state === 'done' && (j.params as HarmonizeParams).stage === 'apply').map((j) => j.siteId));
    const trained = p.trainingSites.filter((s) => kept.has(s)).length;
    if (trained < quorum) {
      return { status: 'failed', code: 'HARMONIZATION_FAILED', message: `Only ${trained} training site(s) keep the harmonisation, fewer than the quorum of ${quorum}: ${failures(ctx, campaign.campaignId, 'apply').join('; ')}` };
    }
    if (p.testSites.length > 0 && !p.testSites.some((s) => kept.has(s))) {
      return { status: 'failed', code: 'HARMONIZATION_FAILED', message: `No test site keeps the harmonisation: ${failures(ctx, campaign.campaignId, 'apply').join('; ')}` };
    }
    return { status: 'done', output: estimatesOf(ctx, campaign).output };
  },
  jobKind: harmonize,
};

/** The harmonisation jobs after this step must name (the step's output hash), when the campaign's plan has the step. */
export function harmonizationHashOf(ctx: CoreContext, campaignId: string): string | undefined {
  return stepOutput(ctx, campaignId, 'harmonization')?.outputHash;
}
