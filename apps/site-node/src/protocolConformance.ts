import { coxTuningRefusal, exchangeMaskingRefusal, protocolTuningSettings, secureAggregationRefusal, secureScale, secureThreshold, trainingMethod, tuningGridDeviation } from '@fedrad/methods';
import { baselineJobRound, baselineModels, baselineProtocol, canonicalJson, plannedLassoRounds, tuningAlphas, withStepSettings, type BaselineRoundParams, type CampaignProtocol, type EvaluateParams, type ExtractParams, type HarmonizeParams, type JobEnvelope, type ModelSpec, type ReproducibilityParams, type SecureAggregationParams, type SelectParams, type TrainRoundParams, type TuneRoundParams } from '@fedrad/protocol';

export type SiteRole = 'training' | 'test';

/**
 * This site's role in a campaign, read from the approved protocol itself (its trainingSites and
 * testSites), never from what the coordinator says in its welcome: a coordinator that calls a
 * test site a training site would otherwise get gradients of the independent test cohort.
 * Undefined when the protocol does not list the site, or lists it as both (an independent test
 * site never trains).
 */
export function siteRole(protocol: CampaignProtocol, siteId: string): SiteRole | undefined {
  const training = protocol.trainingSites.includes(siteId);
  const test = protocol.testSites.includes(siteId);
  if (training === test) return undefined;
  return training ? 'training' : 'test';
}

/**
 * Approving a protocol hash approves what that protocol says, not anything a job claims
 * under it. With the locked protocol document in hand (from the coordinator's welcome, its
 * hash checked), a job must stay inside it: training jobs go to training sites and train the
 * protocol's model on the protocol's features with the protocol's strategy, starting round 0
 * from the strategy's own initial parameters; extract jobs run the protocol's feature config, to
 * the byte; evaluation jobs go to test sites. `role` comes from siteRole (undefined: the protocol
 * does not make this site a training or a test site). Returns what is out of line (empty when
 * the job conforms).
 */
export function protocolDeviations(job: JobEnvelope, protocol: CampaignProtocol, role: SiteRole | undefined): string[] {
  const problems: string[] = [];
  if (job.campaignId !== protocol.campaignId) problems.push(`the job is for campaign ${job.campaignId}, the protocol for ${protocol.campaignId}`);
  if (role === undefined) problems.push(`the protocol does not list site ${job.siteId} as exactly one of its training or test sites; it runs nothing for it`);
  if (job.kind === 'train-round') {
    const params = job.params as TrainRoundParams;
    problems.push(...stepSettingDeviations(params.features, params.model, protocol));
    // Checked against the protocol with the selection's features and the tuning's penalty, once those are ones its steps could choose.
    protocol = protocolForJob(job, protocol);
    if (role !== 'training') problems.push(`this site is a ${role ?? 'non-participating'} site of the campaign; it trains nothing`);
    if (params.strategy !== protocol.training.strategy) problems.push(`strategy ${params.strategy} is not the protocol's ${protocol.training.strategy}`);
    if (canonicalJson(params.model) !== canonicalJson(protocol.model)) problems.push(`the model ${canonicalJson(params.model)} is not the protocol's ${canonicalJson(protocol.model)}`);
    if (protocol.features && canonicalJson(params.features) !== canonicalJson(protocol.features)) problems.push('the features asked for are not the protocol\'s features');
    if (params.round >= protocol.training.rounds) problems.push(`round ${params.round} is beyond the protocol's ${protocol.training.rounds} rounds`);
    if (job.round !== params.round) problems.push(`the envelope says round ${job.round} but its parameters round ${params.round}`);
    if (params.round === 0) problems.push(...initialParameterDeviations(params, protocol));
    problems.push(...settingDeviations(job.siteId, params, protocol));
    problems.push(...maskingDeviations(params.secureAggregation, protocol));
  }
  if (job.kind === 'secure-aggregation') {
    const params = job.params as SecureAggregationParams;
    if (role !== 'training') problems.push(`this site is a ${role ?? 'non-participating'} site of the campaign; it takes no part in its secure aggregation`);
    if (job.round !== params.round) problems.push(`the envelope says round ${job.round} but its parameters round ${params.round}`);
    if (params.round >= protocol.training.rounds) problems.push(`round ${params.round} is beyond the protocol's ${protocol.training.rounds} rounds`);
    if (!job.jobId.endsWith(`/${params.stage}/${job.siteId}`)) problems.push(`job ${job.jobId} is not the ${params.stage} stage's job`);
    problems.push(...maskingDeviations(params, protocol));
  }
  if (job.kind === 'extract') {
    const params = job.params as ExtractParams;
    if (protocol.featureConfig === undefined) problems.push('the protocol pins no feature config, so it asks for no extraction');
    else if (canonicalJson(params.featureConfig) !== canonicalJson(protocol.featureConfig)) problems.push("the feature config sent is not the protocol's");
  }
  if (job.kind === 'reproducibility') problems.push(...reproducibilityDeviations(job.params as ReproducibilityParams, protocol, role));
  if (job.kind === 'select') {
    const params = job.params as SelectParams;
    if (role !== 'training') problems.push(`this site is a ${role ?? 'non-participating'} site of the campaign; only training sites take part in its selection`);
    if (protocol.selection === undefined) problems.push('the protocol has no selection step');
    problems.push(...candidateDeviations(params.features, protocol));
    if (params.minCohortSize !== protocol.minCohortSize) problems.push(`the job's minCohortSize ${params.minCohortSize} is not the protocol's ${protocol.minCohortSize}`);
    // A survival outcome is tested by the Cox score with the protocol's ties; a binary one sends no Cox sums.
    const survival = protocol.outcome.type === 'survival' ? { ties: protocol.model.ties ?? 'breslow' } : undefined;
    if (canonicalJson(params.survival ?? null) !== canonicalJson(survival ?? null)) problems.push(`the job's survival test ${canonicalJson(params.survival ?? null)} is not the protocol's ${canonicalJson(survival ?? null)}`);
  }
  if (job.kind === 'tune-round') problems.push(...tuneRoundDeviations(job, protocol, role));
  if (job.kind === 'baseline-round') problems.push(...baselineRoundDeviations(job, protocol, role));
  if (job.kind === 'evaluate' && role !== 'test') problems.push(`this site is a ${role ?? 'non-participating'} site of the campaign; only independent test sites evaluate`);
  if (job.kind === 'evaluate') problems.push(...evaluateBaselineDeviations(job.params as EvaluateParams, protocol));
  problems.push(...harmonizationDeviations(job, protocol));
  return problems;
}

/** The jobs that read the site's feature rows, so harmonised ones under a harmonising protocol. */
const ROWS_HARMONISED: ReadonlySet<string> = new Set(['select', 'tune-round', 'train-round', 'evaluate']);

/**
 * A protocol that harmonises has every selection, tuning, training and evaluation job name the
 * harmonisation the site keeps (its rows are never used unharmonised), and a harmonize job runs the
 * protocol's method; one that does not harmonise asks for neither.
 */
function harmonizationDeviations(job: JobEnvelope, protocol: CampaignProtocol): string[] {
  const named = protocol.analysisPlan?.harmonization ?? 'none';
  const method = named === 'combat-federated' ? 'combat' : named;
  if (job.kind === 'harmonize') {
    const asked = (job.params as HarmonizeParams).method;
    if (method === 'none') return ['the protocol harmonises nothing, so it asks for no harmonize job'];
    if (asked !== method) return [`harmonisation ${asked} is not the protocol's ${named}`];
    // The features harmonised are the protocol's (never a column it does not name, never one twice): the
    // egress guard also takes the job's feature list as what a per-feature answer may number.
    const featureProblems = candidateDeviations((job.params as HarmonizeParams).features, protocol);
    if (featureProblems.length > 0) return featureProblems;
    // ComBat's covariates are exactly the approved protocol's: the coordinator cannot ask a site for other clinical columns.
    const approved = protocol.analysisPlan?.harmonizationOptions?.covariates ?? [];
    const covariates = (job.params as HarmonizeParams).covariates ?? [];
    if (canonicalJson(covariates) !== canonicalJson(approved)) {
      const foreign = covariates.filter((c) => !approved.includes(c));
      return [`the ComBat covariates asked for (${covariates.join(', ') || 'none'}) are not the protocol's (${approved.join(', ') || 'none'})${foreign.length ? `: ${foreign.map((c) => `"${c}"`).join(', ')} not in the approved protocol` : ''}`];
    }
    return [];
  }
  if (!ROWS_HARMONISED.has(job.kind)) return [];
  const hash = (job.params as SelectParams | TuneRoundParams | TrainRoundParams | EvaluateParams).harmonizationHash;
  if (method !== 'none' && hash === undefined) return [`the protocol harmonises the features (${named}) and the job names no harmonisation to apply`];
  if (method === 'none' && hash !== undefined) return ['the protocol harmonises nothing, and the job names a harmonisation'];
  return [];
}

/**
 * A reproducibility job measures the training cohort the protocol's way and no other: its source,
 * perturbations and seed are the protocol's (a coordinator choosing its own perturbations could
 * ask for as many re-measurements of the patients as it likes), with the protocol's feature config.
 */
function reproducibilityDeviations(params: ReproducibilityParams, protocol: CampaignProtocol, role: SiteRole | undefined): string[] {
  const plan = protocol.reproducibility;
  if (!plan) return ['the protocol has no reproducibility step'];
  const problems: string[] = [];
  if (role !== 'training') problems.push(`this site is a ${role ?? 'non-participating'} site of the campaign; only training sites measure reproducibility`);
  if (protocol.featureConfig === undefined || canonicalJson(params.featureConfig) !== canonicalJson(protocol.featureConfig)) problems.push("the feature config sent is not the protocol's");
  const expected = plan.source === 'perturbations' ? { source: plan.source, perturbations: plan.perturbations ?? null, seed: plan.seed ?? 1 } : { source: plan.source, perturbations: null, seed: null };
  const sent = { source: params.source, perturbations: params.perturbations ?? null, seed: params.seed ?? (params.source === 'perturbations' ? 1 : null) };
  if (canonicalJson(sent) !== canonicalJson(expected)) problems.push(`the measurements asked for (${canonicalJson(sent)}) are not the protocol's reproducibility step (${canonicalJson(expected)})`);
  return problems;
}

/**
 * Fields checked one by one above with their own message; globalParameters are the round's to set (after round 0), the transcript is trajectory.ts's,
 * balancedWeights the training site step's (against the site's own class counts, @fedrad/methods' pooledClassWeights.ts) and, under
 * shareSiteUpdates or secure aggregation, trajectory.ts's (against round 0's signed counts or unmasked sum).
 */
const CHECKED_APART: ReadonlySet<string> = new Set(['strategy', 'model', 'features', 'round', 'globalParameters', 'transcript', 'secureAggregation', 'harmonizationHash', 'balancedWeights']);

/**
 * Secure aggregation runs exactly as the protocol sets it, or not at all: the coordinator can
 * neither drop the masks of a protocol that asks for them nor lower the Shamir threshold (fewer
 * shares would rebuild a site's secrets) nor change the fixed-point scale.
 */
function maskingDeviations(sent: { threshold?: number; scale: number } | undefined, protocol: CampaignProtocol): string[] {
  if (!protocol.training.secureAggregation) return sent ? ['the protocol does not ask for secure aggregation'] : [];
  if (!sent) return ["the protocol asks for secure aggregation, and the job's update would travel unmasked"];
  const refusal = secureAggregationRefusal(protocol);
  if (refusal) return [`the protocol's secure aggregation cannot run: ${refusal}`];
  const threshold = secureThreshold(protocol);
  const scale = secureScale(protocol);
  return sent.threshold === threshold && sent.scale === scale ? [] : [`secure aggregation at threshold ${sent.threshold} and scale ${sent.scale} is not the protocol's threshold ${threshold} and scale ${scale}`];
}

/**
 * Every other setting of a training job (learning rate, local epochs, proximal μ, clip norm, seed,
 * …) must be exactly what the protocol's training method configures for this site and round: a
 * coordinator may not, say, raise the learning rate or the epochs to make an update reveal more.
 */
function settingDeviations(siteId: string, params: TrainRoundParams, protocol: CampaignProtocol): string[] {
  let expected: Record<string, unknown>;
  try {
    const sites = [...protocol.trainingSites].sort();
    const configured = trainingMethod(protocol).configure({ round: params.round, parameters: params.globalParameters, server: null }, sites)[siteId];
    if (!configured) return [];
    expected = JSON.parse(JSON.stringify(configured)) as Record<string, unknown>;
  } catch {
    return []; // reported by initialParameterDeviations at round 0; a later round names the method's problem the same way there
  }
  const sent = params as unknown as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(expected), ...Object.keys(sent)])].filter((k) => !CHECKED_APART.has(k)).sort();
  const differing = fields.filter((k) => canonicalJson(sent[k] ?? null) !== canonicalJson(expected[k] ?? null));
  return differing.length === 0 ? [] : [`the job's ${differing.join(', ')} ${differing.length === 1 ? 'is' : 'are'} not what the protocol's training method gives this site for round ${params.round} (${differing.map((k) => `${k} ${JSON.stringify(expected[k] ?? null)}`).join(', ')})`];
}

/** Round 0 starts where the protocol's training method starts, not at coefficients the coordinator chose. */
function initialParameterDeviations(params: TrainRoundParams, protocol: CampaignProtocol): string[] {
  let initial;
  try {
    initial = trainingMethod(protocol).initialState().parameters;
  } catch (e) {
    return [`the protocol's training method cannot be built here (${(e as Error).message})`];
  }
  return canonicalJson(params.globalParameters) === canonicalJson(initial) ? [] : ["round 0's global parameters are not the protocol's initial parameters"];
}

/**
 * The protocol a job is checked and computed against: for a training job of a protocol with a
 * selection or tuning step, the protocol with the job's features (selection) and its model's λ and
 * α (tuning) in place of its own (withStepSettings, as the coordinator trains); else the protocol.
 * protocolDeviations refuses first when those could not come from the protocol's steps.
 */
export function protocolForJob(job: JobEnvelope, protocol: CampaignProtocol): CampaignProtocol {
  if (job.kind !== 'train-round') return protocol;
  const params = job.params as TrainRoundParams;
  return withStepSettings(protocol, {
    ...(protocol.selection !== undefined ? { features: params.features } : {}),
    ...(protocol.tuning !== undefined ? { lambda: params.model.lambda, alpha: params.model.alpha } : {}),
  });
}

/**
 * What the selection and tuning steps may change in a training job, and nothing more: features
 * among the protocol's (selection), λ on the protocol's grid when it gives one and α among its
 * tuning alphas (tuning). The site cannot recompute the coordinator's choice from its own sums
 * alone, but it bounds it to what the approved plan allows.
 */
function stepSettingDeviations(features: string[], model: ModelSpec, protocol: CampaignProtocol): string[] {
  const problems: string[] = [];
  if (protocol.selection !== undefined) problems.push(...candidateDeviations(features, protocol));
  const t = protocol.tuning;
  if (t !== undefined) {
    if (model.alpha === undefined || !tuningAlphas(protocol).includes(model.alpha)) problems.push(`the model's alpha ${model.alpha} is not one the protocol's tuning step tries (${tuningAlphas(protocol).join(', ')})`);
    if (model.lambda === undefined || (t.lambdas !== undefined && !t.lambdas.includes(model.lambda))) problems.push(`the model's lambda ${model.lambda} is not on the protocol's tuning grid`);
  }
  return problems;
}

/** A step's features must be distinct features of the protocol (the reproducibility and selection steps only remove some). */
function candidateDeviations(features: readonly string[], protocol: CampaignProtocol): string[] {
  const allowed = new Set(protocol.features ?? []);
  const foreign = features.filter((f) => !allowed.has(f));
  if (foreign.length > 0) return [`the features ${foreign.map((f) => `"${f}"`).join(', ')} are not among the protocol's features`];
  if (new Set(features).size !== features.length) return ['the job lists a feature twice'];
  return [];
}

/**
 * A tune-round job: a training site, the protocol's folds, criterion, minimum cohort and one of its
 * alphas, on the protocol's features; a path exchange names the protocol's λ grid; a Cox protocol's
 * exchanges are Cox ones (Breslow's ties, coefficients per fold as beta), a logistic one's are not.
 */
function tuneRoundDeviations(job: JobEnvelope, protocol: CampaignProtocol, role: SiteRole | undefined): string[] {
  const params = job.params as TuneRoundParams;
  const problems: string[] = [];
  if (role !== 'training') problems.push(`this site is a ${role ?? 'non-participating'} site of the campaign; only training sites take part in its tuning`);
  // Under secure aggregation an exchange's per-site sums would travel in clear (exchangesInClear.ts in @fedrad/methods).
  const inClear = exchangeMaskingRefusal(protocol, params.folds?.scheme === 'none' ? 'selection.lasso' : 'tuning');
  if (inClear) problems.push(inClear);
  if (params.folds?.scheme === 'none') return [...problems, ...lassoPathDeviations(job, protocol)];
  if (protocol.tuning === undefined) return [...problems, 'the protocol has no tuning step'];
  if (job.round !== params.round) problems.push(`the envelope says tuning exchange ${job.round} but its parameters ${params.round}`);
  problems.push(...candidateDeviations(params.features, protocol));
  if (!tuningAlphas(protocol).includes(params.alpha)) problems.push(`alpha ${params.alpha} is not one the protocol's tuning step tries (${tuningAlphas(protocol).join(', ')})`);
  const settings = protocolTuningSettings(protocol, params.features, params.alpha);
  const sites = [...protocol.trainingSites].sort();
  const folds = settings.folds.scheme === 'leave-one-site-out' ? { scheme: 'leave-one-site-out', count: sites.length, fold: sites.indexOf(job.siteId) } : settings.folds;
  if (canonicalJson(params.folds) !== canonicalJson(folds)) problems.push(`the folds ${canonicalJson(params.folds)} are not the protocol's ${canonicalJson(folds)} for this site`);
  if (params.measure !== settings.measure) problems.push(`the criterion ${params.measure} is not the protocol's ${settings.measure}`);
  if (params.minCohortSize !== protocol.minCohortSize) problems.push(`the job's minCohortSize ${params.minCohortSize} is not the protocol's ${protocol.minCohortSize}`);
  if (params.phase === 'path') {
    const grid = tuningGridDeviation(protocol, params.lambdas);
    if (grid) problems.push(grid);
  } else if (params.lambdas !== undefined) problems.push('the grid exchange comes before any λ grid, and the job names one');
  problems.push(...coxExchangeDeviations(params, protocol));
  return problems;
}

/** A Cox protocol's tuning exchanges are glmnet's Cox (Breslow's ties, beta per fold); a logistic protocol's carry neither ties nor beta. */
function coxExchangeDeviations(params: TuneRoundParams, protocol: CampaignProtocol): string[] {
  if (protocol.model.family !== 'cox') {
    return params.ties !== undefined || params.beta !== undefined ? ["the protocol's model is not a Cox model, and the job asks for a Cox exchange (ties, beta)"] : [];
  }
  const refusal = coxTuningRefusal(protocol);
  if (refusal) return [`the approved protocol's tuning step cannot cross-validate its Cox model: ${refusal}`];
  const problems: string[] = [];
  if (params.ties !== 'breslow') problems.push(`the ties ${params.ties ?? 'absent'} are not the Cox tuning's Breslow ties of the protocol's model`);
  if (params.coef !== undefined) problems.push("the protocol's model is a Cox model, and the job sends logistic coefficients (coef)");
  return problems;
}

/**
 * An exchange of the selection step's LASSO path (a tune-round without folds): the protocol's
 * selection.lasso α, the deviance, the protocol's minimum cohort, the protocol's features, and no
 * more exchanges than its path can need (they come before the tuning step's).
 */
function lassoPathDeviations(job: JobEnvelope, protocol: CampaignProtocol): string[] {
  const params = job.params as TuneRoundParams;
  const lasso = protocol.selection?.lasso;
  if (!lasso) return ["the protocol's selection has no LASSO step, so it asks for no exchange without folds"];
  const problems = candidateDeviations(params.features, protocol);
  if (job.round !== params.round) problems.push(`the envelope says exchange ${job.round} but its parameters ${params.round}`);
  if (params.alpha !== (lasso.alpha ?? 1)) problems.push(`alpha ${params.alpha} is not the protocol's LASSO step's ${lasso.alpha ?? 1}`);
  if (canonicalJson(params.folds) !== canonicalJson({ scheme: 'none', count: 0 })) problems.push(`the folds ${canonicalJson(params.folds)} are not the LASSO path's (none)`);
  if (params.measure !== 'deviance') problems.push(`the criterion ${params.measure} is not the LASSO path's deviance`);
  if (params.minCohortSize !== protocol.minCohortSize) problems.push(`the job's minCohortSize ${params.minCohortSize} is not the protocol's ${protocol.minCohortSize}`);
  if (params.round >= plannedLassoRounds(protocol)) problems.push(`LASSO path exchange ${params.round} is beyond the ${plannedLassoRounds(protocol)} its path can need`);
  return problems;
}

/**
 * A baseline round trains a model the protocol declares (analysisPlan.baseline.models), on exactly
 * its covariates — the coordinator cannot ask for a covariate the approved protocol does not name —
 * and, for the combined model, the radiomics model's features (the protocol's, or among them when a
 * selection step chose). The round itself must be what the baseline model's training method
 * (baselineProtocol: unpenalised logistic, exact Newton) gives this site: checked as a train-round
 * of that protocol, so its strategy, model, inputs, round bound, initial parameters, settings and
 * harmonisation are all the protocol's.
 */
function baselineRoundDeviations(job: JobEnvelope, protocol: CampaignProtocol, role: SiteRole | undefined): string[] {
  const params = job.params as BaselineRoundParams;
  const plan = protocol.analysisPlan?.baseline;
  if (!plan) return ['the protocol has no clinical baseline (analysisPlan.baseline), so it asks for no baseline round'];
  const problems: string[] = [];
  // A baseline round is answered unmasked and un-noised: under an approved protocol that asks for either
  // protection, answering it would bypass it (sums in clear). Under shareSiteUpdates its parameters are
  // checked against the previous round's signed updates (exchangeTrajectory.ts).
  const t = protocol.training;
  const bypassed = [t.secureAggregation && 'training.secureAggregation', t.differentialPrivacy && 'training.differentialPrivacy'].filter((x): x is string => Boolean(x));
  if (bypassed.length > 0) return [`the approved protocol sets ${bypassed.join(', ')}, which a baseline round (unmasked, un-noised Newton sums) would bypass`];
  const declared = baselineModels(protocol);
  if (!declared.includes(params.model)) problems.push(`the protocol's baseline declares the ${declared.join(' and ')} model${declared.length > 1 ? 's' : ''}, not a ${params.model} model`);
  if (!job.jobId.includes(`/baseline/${params.model}/`)) problems.push(`job ${job.jobId} is not a round of the ${params.model} model`);
  if (canonicalJson(params.covariates) !== canonicalJson(plan.covariates)) {
    const foreign = params.covariates.filter((c) => !plan.covariates.includes(c));
    problems.push(`the covariates asked for (${params.covariates.join(', ')}) are not the protocol's baseline covariates (${plan.covariates.join(', ')})${foreign.length ? `: ${foreign.map((c) => `"${c}"`).join(', ')} ${foreign.length > 1 ? 'are' : 'is'} not in the approved protocol` : ''}`);
  }
  if (params.model === 'clinical' && params.radiomicsFeatures.length > 0) problems.push('the clinical model takes no radiomics feature');
  if (params.model === 'combined') {
    problems.push(...candidateDeviations(params.radiomicsFeatures, protocol));
    if (protocol.selection === undefined && canonicalJson(params.radiomicsFeatures) !== canonicalJson(protocol.features ?? [])) problems.push("the combined model's radiomics features are not the protocol's features");
  }
  if (job.round !== baselineJobRound(params.model, params.step.round)) problems.push(`the envelope's round ${job.round} is not the ${params.model} model's round ${params.step.round} (${baselineJobRound(params.model, params.step.round)})`);
  if (problems.length > 0) return problems;
  return protocolDeviations({ ...job, kind: 'train-round', round: params.step.round, params: params.step }, baselineProtocol(protocol, params.model, params.radiomicsFeatures), role);
}

/** Baseline models come with an evaluation only when the protocol declares them, each once, on exactly its covariates. */
function evaluateBaselineDeviations(params: EvaluateParams, protocol: CampaignProtocol): string[] {
  if (!params.baselineModels?.length && params.covariates === undefined) return [];
  const plan = protocol.analysisPlan?.baseline;
  if (!plan) return ['the protocol has no clinical baseline (analysisPlan.baseline), and the job sends baseline models or covariates'];
  const problems: string[] = [];
  const declared = baselineModels(protocol);
  const sent = (params.baselineModels ?? []).map((b) => b.model);
  const foreign = sent.filter((m) => !declared.includes(m));
  if (foreign.length > 0) problems.push(`the protocol's baseline declares no ${foreign.join(' or ')} model`);
  if (new Set(sent).size !== sent.length) problems.push('the job sends a baseline model twice');
  if (canonicalJson(params.covariates ?? []) !== canonicalJson(plan.covariates)) problems.push(`the covariates asked for (${(params.covariates ?? []).join(', ')}) are not the protocol's baseline covariates (${plan.covariates.join(', ')})`);
  return problems;
}
