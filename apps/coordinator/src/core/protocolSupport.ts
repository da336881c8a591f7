import { coxTuningRefusal, exchangeMaskingRefusal, secureAggregationRefusal, TRAINING_SETTING_RULES } from '@fedrad/methods';
import { plannedSummaryJobs, summaryJobBudget, type CampaignProtocol } from '@fedrad/protocol';
import { DECLARABLE_CLAIMS } from '@fedrad/rqs';

/**
 * Every field of the campaign protocol (protocols/campaign-protocol.schema.json) and what this
 * coordinator does with it: carried out (and how), or refused at creation with a reason naming
 * the field. A pre-registered plan must run as written, so a field this build would ignore is
 * refused rather than accepted and dropped. Model and training settings a strategy would not use
 * are the training method's own rules (@fedrad/methods), so the local twin refuses them too.
 * test/protocolSupport.test.ts walks the schema and fails when a field has no entry here.
 */
export interface FieldSupport {
  /** Dotted path; a oneOf variant's fields are listed under the shared name (outcome.label). */
  field: string;
  /** What the campaign does with the field when it is accepted. */
  carriedOut: string;
  /** Why a given value cannot run in this build, or undefined when it can. */
  refuse?: (p: CampaignProtocol) => string | undefined;
}

/** Why this build cannot carry out the protocol's clinical baseline, or undefined. */
function baselineRefusal(p: CampaignProtocol): string | undefined {
  const plan = p.analysisPlan?.baseline;
  if (!plan) return undefined;
  if (p.outcome.type === 'survival' && p.model.strata === 'none') return 'the Cox baseline models are stratified by site: a pooled baseline hazard (model.strata "none") sends risk-set sums, which a baseline round does not carry yet';
  if (p.training.secureAggregation) return 'the baseline rounds send their Newton sums unmasked; with training.secureAggregation they would bypass it';
  if (p.training.differentialPrivacy) return 'the baseline rounds send un-noised Newton sums; with training.differentialPrivacy they would bypass it';
  const models = plan.models ?? ['clinical', 'combined'];
  if (!models.includes('clinical')) return 'the combined model is compared with the clinical model: list "clinical" in analysisPlan.baseline.models too';
  const clash = plan.covariates.find((c) => (p.features ?? []).includes(c));
  if (clash !== undefined) return `covariate "${clash}" is also a radiomics feature of the protocol; rename one`;
  if (p.testSites.length === 0) return 'the baseline models are compared at the independent test sites, and the protocol names none';
  return undefined;
}

/**
 * Why ComBat cannot preserve the protocol's covariates, or undefined: only ComBat takes them; the
 * outcome may not be one (a test site holds no label to harmonise with, and the label is what its
 * evaluation tests), nor may a radiomics feature or a name listed twice.
 */
function harmonizationCovariateRefusal(p: CampaignProtocol): string | undefined {
  const covariates = p.analysisPlan?.harmonizationOptions?.covariates ?? [];
  if (covariates.length === 0) return undefined;
  const named = p.analysisPlan?.harmonization ?? 'none';
  if (named !== 'combat' && named !== 'combat-federated') return `only ComBat preserves covariates; the protocol's harmonisation is ${named}`;
  const outcome = p.outcome.type === 'binary' ? [p.outcome.label, 'label'] : [p.outcome.time, p.outcome.event, 'time', 'event', 'status'];
  const label = covariates.find((c) => outcome.includes(c));
  if (label !== undefined) return `covariate "${label}" is the outcome: a test site holds no label to harmonise with (its labels are what the evaluation tests); preserve clinical covariates only`;
  const clash = covariates.find((c) => (p.features ?? []).includes(c));
  if (clash !== undefined) return `covariate "${clash}" is also a radiomics feature of the protocol; rename one`;
  const twice = covariates.find((c, k) => covariates.indexOf(c) !== k);
  if (twice !== undefined) return `covariate "${twice}" is listed twice`;
  return undefined;
}

/** A secure-aggregation setting in a protocol that does not ask for secure aggregation would be ignored. */
const unasked = (p: CampaignProtocol, field: 'secureAggregationDropout' | 'secureAggregationScale'): string | undefined =>
  p.training[field] !== undefined && !p.training.secureAggregation ? `${field} sets how secure aggregation runs; the protocol does not ask for it (training.secureAggregation)` : undefined;

export const PROTOCOL_FIELDS: readonly FieldSupport[] = [
  { field: 'type', carriedOut: 'identifies the document' },
  { field: 'campaignId', carriedOut: 'the campaign id of every job, result and audit row' },
  { field: 'title', carriedOut: 'shown in listings and summaries' },
  { field: 'version', carriedOut: 'part of the locked document and its hash' },
  { field: 'question', carriedOut: 'recorded in the locked document' },
  { field: 'codeRepository', carriedOut: "recorded in the campaign's provenance and report with the hash of the code the coordinator ran (RQS item 16's code point, TRIPOD+AI's code availability)" },
  {
    field: 'featureConfig',
    carriedOut: "the extraction step: every site extracts its image cohort with it, pinned by its hash (a feature-table site shows by its table's provenance that it was made with it); its QC is in the campaign status",
  },
  { field: 'features', carriedOut: "the model's inputs, in order; the training method refuses a campaign without them" },
  {
    field: 'outcome',
    carriedOut: 'binary outcomes train the logistic families, survival outcomes a Cox model',
    refuse: (p) =>
      p.outcome.type === 'survival' && p.model.family !== 'cox'
        ? `a survival outcome is trained by a cox model, not ${p.model.family}`
        : p.outcome.type === 'binary' && p.model.family === 'cox'
          ? 'a cox model needs a survival outcome (time and event)'
          : undefined,
  },
  { field: 'outcome.type', carriedOut: 'binary (logistic families) or survival (cox)' },
  { field: 'outcome.label', carriedOut: "the outcome's name in the locked record; sites read their 0/1 label column (docs/site-operator.md)" },
  {
    field: 'outcome.positive',
    carriedOut: '',
    refuse: (p) => (p.outcome.type === 'binary' && p.outcome.positive !== undefined ? "sites' outcome tables hold 0/1 labels; mapping another value to the positive class comes with issue #13" : undefined),
  },
  { field: 'outcome.time', carriedOut: "the outcome's name in the locked record; sites read their time column (docs/site-operator.md)" },
  { field: 'outcome.event', carriedOut: "the outcome's name in the locked record; sites read their event (or status) column" },
  { field: 'outcome.horizonDays', carriedOut: "the horizon(s), one number or a list, at which the sites send their baseline hazard, the locked Cox model outputs S(t | x) and each test site reports the time-dependent measures (survival.byHorizon); the first is the primary horizon" },
  { field: 'model', carriedOut: 'the model the training method fits' },
  { field: 'model.family', carriedOut: 'the logistic families; cox stratified by site or pooled in the protocol\'s time bins (exact-newton, model.strata); mlp by the parameter-averaging strategies, with a standardisation round and early stopping (SITE_CHANNEL.md §6)' },
  { field: 'model.ties', carriedOut: "cox: Breslow's or Efron's ties in each site's partial likelihood", refuse: TRAINING_SETTING_RULES['model.ties'] },
  {
    field: 'model.strata',
    carriedOut:
      'cox: "site" a baseline hazard per training site (each sends its own partial likelihood\'s gradient and Hessian); "none" one baseline hazard, from the sites\' risk-set sums in the bins of model.timeGridDays added at the coordinator (equal to coxph on the pooled rows with the times coarsened to those bins); the model card names the variant',
    refuse: TRAINING_SETTING_RULES['model.strata'],
  },
  {
    field: 'model.timeGridDays',
    carriedOut: "pooled cox: the pre-registered time bins every site coarsens its times to; a site refuses a job whose bins differ from the approved protocol's, or in which one of its bins holds 1 … minCohortSize − 1 of its events or patients leaving the risk set; the card lists them",
    refuse: TRAINING_SETTING_RULES['model.timeGridDays'],
  },
  {
    field: 'model.alpha',
    carriedOut: "the elastic net's mixing, in the site step and the exact aggregation; with a tuning step and no tuning.alphas, the one α it cross-validates",
    refuse: (p) => (p.tuning?.alphas !== undefined && p.model.alpha !== undefined ? 'the tuning step chooses α among tuning.alphas; a fixed model.alpha beside them would be overridden: give one or the other' : undefined),
  },
  {
    field: 'model.lambda',
    carriedOut: "the elastic net's strength, in the site step and the exact aggregation",
    refuse: (p) => (p.tuning !== undefined && p.model.lambda !== undefined ? 'the tuning step chooses λ; a fixed model.lambda beside it would be overridden: remove it' : undefined),
  },
  { field: 'model.hiddenLayers', carriedOut: "mlp: the hidden layers' widths of every site's network and of the locked model", refuse: TRAINING_SETTING_RULES['model.hiddenLayers'] },
  { field: 'model.activation', carriedOut: "mlp: the hidden layers' activation (relu or tanh)", refuse: TRAINING_SETTING_RULES['model.activation'] },
  { field: 'model.standardize', carriedOut: "the exact strategies' penalty scale", refuse: TRAINING_SETTING_RULES['model.standardize'] },
  {
    field: 'model.classWeights',
    carriedOut:
      '"none", and "balanced" with every strategy of the binary families: the exact strategies (sums split by class, weighted by the pooled counts), the FedAvg family, median and trimmed mean (a counting round 0, then each site weights its local loss by the pooled counts the jobs carry), the mlp family (its standardisation round counts the training rows, later rounds weight each row\'s log-loss); under secure aggregation the counts come from the masked sum, and with shareSiteUpdates or secureAggregation each site checks them against round 0\'s signed counts or unmasked sum',
    refuse: TRAINING_SETTING_RULES['model.classWeights'],
  },
  { field: 'trainingSites', carriedOut: 'the sites that get training jobs' },
  { field: 'testSites', carriedOut: 'the sites that evaluate the locked model (binary: AUC, calibration, decision curves; survival: C-indices, and at the horizon time-dependent AUC, Brier score, calibration)' },
  { field: 'minCohortSize', carriedOut: "enforced by each site's egress guard" },
  {
    field: 'jobBudget',
    carriedOut: "each site counts the non-training jobs it answers under the protocol and refuses those beyond it (apps/site-node's jobPolicy)",
    refuse: (p) =>
      (p.jobBudget?.evaluations ?? 1) < 1 && p.testSites.length > 0
        ? 'the evaluation phase sends each test site one evaluate job; jobBudget.evaluations 0 would have every test site refuse it'
        : summaryJobBudget(p) < plannedSummaryJobs(p)
          ? `the plan sends each site ${plannedSummaryJobs(p)} summary job(s) (extraction and the other aggregate steps); jobBudget.summaries ${summaryJobBudget(p)} would have every site refuse the later ones`
          : undefined,
  },
  { field: 'jobBudget.summaries', carriedOut: 'summary jobs (extract, reproducibility, harmonize, select) a site answers; by default exactly what the plan sends (plannedSummaryJobs in @fedrad/protocol), at least 1' },
  { field: 'jobBudget.evaluations', carriedOut: 'evaluate jobs a test site answers, all of the one locked model; the evaluation phase needs one' },
  {
    field: 'reproducibility',
    carriedOut: "the reproducibility step after extraction: each training site sends the ANOVA sums of its patients measured k times, the coordinator pools them into every feature's ICC and keeps those reaching the threshold (its output's `kept`). The kept features reach the model through a selection step (which starts from the protocol's features the step kept; `selection: {}` drops only constant ones); without one, the pre-registered `features` are trained as written and the step is reported (and scored for RQS), not applied",
    refuse: (p) => (p.reproducibility !== undefined && p.featureConfig === undefined ? "the sites measure each patient again with the protocol's featureConfig; pin one (the extraction step)" : undefined),
  },
  { field: 'reproducibility.source', carriedOut: 'segmentations: the sites extract their manifests\' further segmentations (mask2, …) with the pinned config; perturbations: the sites re-extract each case under reproducibility.perturbations' },
  { field: 'reproducibility.form', carriedOut: 'the ICC form the filter judges (every form is computed from the pooled sums)' },
  { field: 'reproducibility.threshold', carriedOut: 'features whose ICC (or lower bound) is below it are dropped, each listed with its ICC and lower bound' },
  { field: 'reproducibility.on', carriedOut: 'the filter compares the estimate or the lower bound of its interval' },
  { field: 'reproducibility.confidence', carriedOut: 'the level of the pooled ICC intervals (McGraw & Wong 1996)' },
  {
    field: 'reproducibility.perturbations',
    carriedOut: 'each training site re-extracts every case under each (Zwanenburg et al. 2019); the site refuses a job asking for others',
    refuse: (p) => {
      const r = p.reproducibility;
      if (r?.source === 'perturbations' && !(r.perturbations && r.perturbations.length >= 2)) return 'source perturbations measures each case under each perturbation: list at least two (e.g. ["none", "erode:1", "dilate:1"])';
      if (r?.source === 'segmentations' && r.perturbations !== undefined) return 'perturbations belong to source perturbations; with source segmentations the sites compare their further segmentations (mask2, …)';
      return undefined;
    },
  },
  {
    field: 'reproducibility.seed',
    carriedOut: "the seed of the sites' noise perturbations",
    refuse: (p) => (p.reproducibility?.source === 'segmentations' && p.reproducibility.seed !== undefined ? 'the seed belongs to source perturbations (the noise of a perturbed re-extraction)' : undefined),
  },
  {
    field: 'selection',
    carriedOut: "the selection step: one select job per training site (sums and cross-products of the candidate features: the protocol's features, those the reproducibility step kept when it ran; on the rows harmonised by the harmonisation step when it ran), the filters on the pooled moments (@fedrad/methods, as fedrad select --sites); training, the lock and evaluation use the features it keeps",
  },
  { field: 'selection.minSd', carriedOut: 'the near-zero-variance filter on the pooled standard deviation' },
  { field: 'selection.fdr', carriedOut: "the univariate filter, Benjamini–Hochberg q: the logistic score test of each feature on the pooled sums, or for a survival outcome the Cox score test stratified by site with the model's ties (each site sends its features' score and information at β = 0 over its own risk sets, its events at least the minimum cohort)" },
  { field: 'selection.maxCorrelation', carriedOut: 'correlation pruning on the pooled Pearson correlation matrix' },
  {
    field: 'selection.prefer',
    carriedOut: '"association": the feature with the larger score statistic stays; "reproducibility": the one with the larger ICC of the reproducibility step (its form, on its estimate or lower bound as it judged them; the output\'s keptIcc)',
    refuse: (p) =>
      p.selection?.prefer === undefined
        ? undefined
        : p.selection.maxCorrelation === undefined
          ? 'prefer chooses which feature of a correlated cluster stays; without selection.maxCorrelation no cluster is pruned'
          : p.selection.prefer === 'reproducibility' && p.reproducibility === undefined
            ? 'the most reproducible feature of a cluster is the one with the largest ICC, which only a reproducibility step in the plan measures; add a reproducibility section or use "association"'
            : undefined,
  },
  {
    field: 'selection.lasso',
    carriedOut:
      "after the filters, the LASSO / elastic-net path on the features they kept, fitted by the tuning step's federated exchanges without folds (tune-round jobs with folds none, numbered before the tuning step's; proximal Newton steps on the pooled sums, equal to glmnet on the pooled rows); the features with a non-zero coefficient are kept (@fedrad/methods' lassoStep, as fedrad select --sites --lasso-lambda / --lasso-max-features). With training.shareSiteUpdates each exchange after the first carries the previous one's signed answers and every site recomputes the path's step and refuses coefficients that do not follow (apps/site-node's exchangeTrajectory.ts); refused with training.secureAggregation (its per-site sums travel unmasked)",
    refuse: (p) => {
      const l = p.selection?.lasso;
      if (l === undefined) return undefined;
      if ((l.lambda === undefined) === (l.maxFeatures === undefined)) return 'the LASSO step keeps the features at one λ (lambda) or the first maxFeatures to enter the path: give exactly one of them';
      if (p.outcome.type !== 'binary') return 'the LASSO path fits a logistic model; a survival outcome has no logistic path';
      return exchangeMaskingRefusal(p, 'selection.lasso');
    },
  },
  { field: 'selection.lasso.alpha', carriedOut: "the path's elastic-net mixing (default 1, the lasso); each site refuses an exchange at another α" },
  { field: 'selection.lasso.lambda', carriedOut: 'the path is fitted at this one λ and the features with a non-zero coefficient there are kept' },
  { field: 'selection.lasso.maxFeatures', carriedOut: "the path runs along glmnet's grid of 100 λ from the pooled λ_max; the features non-zero at the smallest λ with at most this many are kept (the first to enter)" },
  { field: 'selection.lasso.maxIterations', carriedOut: "the most Newton steps at one λ of the path (default 25; the path fails as not converged beyond them); each site answers at most 2 + (1 or 100 λ) × maxIterations of the path's exchanges (protocol's plannedLassoRounds)" },
  {
    field: 'tuning',
    carriedOut:
      "the tuning step: federated cross-validation of the logistic elastic net, or of glmnet's Cox elastic net (model.family cox: stratified by site, Breslow's ties, leave-one-site-out, or K folds within sites scored by the deviance), over the training sites (tune-round jobs, on the rows harmonised by the harmonisation step when it ran; @fedrad/methods, as fedrad tune --sites and fedrad tune --model cox --sites [--cv kfold]); training fits the chosen λ and α",
    refuse: (p) =>
      p.tuning === undefined
        ? undefined
        : p.model.family !== 'lasso-logistic' && p.model.family !== 'elasticnet-logistic' && p.model.family !== 'cox'
          ? `the tuning step cross-validates the elastic net of the logistic families (lasso-logistic, elasticnet-logistic) or of a Cox model, not ${p.model.family}`
          : coxTuningRefusal(p),
  },
  {
    field: 'tuning.cv',
    carriedOut: 'leave-one-site-out (each training site is a fold) or kfold (folds drawn within each site); refused with training.secureAggregation, whose masking the exchanges would bypass (leave-one-site-out reveals each site\'s sums by difference, so no masking could hide them)',
    refuse: (p) => (p.tuning?.cv === 'leave-one-site-out' && p.trainingSites.length < 2 ? 'leave-one-site-out needs two or more training sites' : exchangeMaskingRefusal(p, 'tuning')),
  },
  { field: 'tuning.folds', carriedOut: 'K of kfold', refuse: (p) => (p.tuning?.folds !== undefined && p.tuning.cv !== 'kfold' ? 'folds is the K of kfold; with leave-one-site-out the sites are the folds' : undefined) },
  { field: 'tuning.seed', carriedOut: 'the seed each site draws its kfold folds with', refuse: (p) => (p.tuning?.seed !== undefined && p.tuning.cv !== 'kfold' ? 'seed draws kfold folds; with leave-one-site-out the sites are the folds' : undefined) },
  {
    field: 'tuning.measure',
    carriedOut: "binomial deviance, or AUC with leave-one-site-out; for a Cox model the held-out folds' partial-likelihood deviance or, with leave-one-site-out, Harrell's C (C)",
    refuse: (p) =>
      p.tuning?.measure === 'auc' && p.tuning.cv !== 'leave-one-site-out'
        ? 'an AUC ranks the rows of one fold, which under kfold lie at several sites; use the deviance, or leave-one-site-out'
        : p.tuning?.measure === 'C' && p.model.family !== 'cox'
          ? "C is Harrell's C-index of a Cox model; a logistic model is tuned by the deviance or the AUC"
          : undefined,
  },
  { field: 'tuning.rule', carriedOut: 'lambda.min or lambda.1se is the λ training fits' },
  {
    field: 'tuning.alphas',
    carriedOut: 'each α is cross-validated; the best at its lambda.min is trained',
    refuse: (p) => (p.tuning?.alphas !== undefined && p.model.family === 'lasso-logistic' && p.tuning.alphas.some((a) => a !== 1) ? 'lasso-logistic has α 1; tune α with elasticnet-logistic' : undefined),
  },
  { field: 'tuning.lambdas', carriedOut: 'the λ grid' },
  { field: 'tuning.nlambda', carriedOut: "the length of glmnet's λ grid", refuse: (p) => (p.tuning?.nlambda !== undefined && p.tuning.lambdas !== undefined ? 'nlambda makes a grid; tuning.lambdas gives one already' : undefined) },
  { field: 'tuning.lambdaMinRatio', carriedOut: "the smallest λ of glmnet's grid over λ_max", refuse: (p) => (p.tuning?.lambdaMinRatio !== undefined && p.tuning.lambdas !== undefined ? 'lambdaMinRatio makes a grid; tuning.lambdas gives one already' : undefined) },
  { field: 'training', carriedOut: 'the round runner' },
  { field: 'training.strategy', carriedOut: 'the training method' },
  { field: 'training.rounds', carriedOut: 'the most rounds the training phase runs' },
  { field: 'training.quorum', carriedOut: 'closes a round once this many sites answered and the deadline passed' },
  { field: 'training.roundDeadlineSeconds', carriedOut: "each job attempt's deadline" },
  { field: 'training.maxAttempts', carriedOut: 'attempts per job before it fails' },
  { field: 'training.localEpochs', carriedOut: 'local steps per round (FedAvg family)', refuse: TRAINING_SETTING_RULES['training.localEpochs'] },
  { field: 'training.learningRate', carriedOut: 'the local step size (FedAvg family) or the exact-gradient step', refuse: TRAINING_SETTING_RULES['training.learningRate'] },
  { field: 'training.proximalMu', carriedOut: "FedProx's proximal weight", refuse: TRAINING_SETTING_RULES['training.proximalMu'] },
  { field: 'training.clipNorm', carriedOut: "clips each site's update (FedAvg family)", refuse: TRAINING_SETTING_RULES['training.clipNorm'] },
  {
    field: 'training.differentialPrivacy',
    carriedOut:
      "central DP (DP-FedAvg, McMahan et al. 2018): each site clips its update to training.clipNorm (and refuses a job with another clip norm), the coordinator adds N(0, (noiseMultiplier · clipNorm)²) to the sum of the clipped updates and divides by the number of sites; the ε spent (RDP accountant, Mironov 2017) is in each round's summary and the model card",
    refuse: TRAINING_SETTING_RULES['training.differentialPrivacy'],
  },
  { field: 'training.differentialPrivacy.noiseMultiplier', carriedOut: "σ: the noise's standard deviation is σ · clipNorm" },
  { field: 'training.differentialPrivacy.delta', carriedOut: 'the δ the reported ε holds for' },
  { field: 'training.differentialPrivacy.seed', carriedOut: 'round r draws its noise from seed + r (reproducible; whoever holds the seed can remove the noise, which the model card says); absent, the noise comes from the cryptographic generator' },
  {
    field: 'training.earlyStopping',
    carriedOut: "mlp: each site's seeded validation split and the coordinator's stop on the pooled validation loss; the locked model is the best round's (defaults apply when absent)",
    refuse: TRAINING_SETTING_RULES['training.earlyStopping'],
  },
  { field: 'training.earlyStopping.validationFraction', carriedOut: "mlp: the share of each site's rows, per class, held out for validation (default 0.2)" },
  { field: 'training.earlyStopping.patience', carriedOut: 'mlp: rounds without a lower pooled validation loss before training stops (default 5)' },
  { field: 'training.trimFraction', carriedOut: 'the trimmed mean', refuse: TRAINING_SETTING_RULES['training.trimFraction'] },
  { field: 'training.seed', carriedOut: "local shuffles, the test sites' bootstrap, and for mlp the initial weights and each site's validation split" },
  { field: 'training.shareSiteUpdates', carriedOut: "each training job after round 0, each LASSO path exchange after the first and each baseline round after the first carries the previous round's signed updates; each site recomputes the step and refuses parameters that do not follow (apps/site-node's trajectory.ts, exchangeTrajectory.ts)" },
  {
    field: 'training.secureAggregation',
    carriedOut: "every round runs Bonawitz et al.'s double masking (keys, shares, masked updates, unmasking; phases/secureRound.ts), so the coordinator reads only the sum over at least three sites; the strategies whose aggregate is a (weighted) sum; with differentialPrivacy each site clips its delta before masking and the coordinator noises the unmasked sum",
    refuse: secureAggregationRefusal,
  },
  { field: 'training.secureAggregationDropout', carriedOut: "the Shamir threshold t = n − floor(fraction · n) (at least 3); each stage of a round goes on once its deadline passed with t answers", refuse: (p) => unasked(p, 'secureAggregationDropout') },
  { field: 'training.secureAggregationScale', carriedOut: "the fixed-point scale of the masked updates (each site refuses a value that could make the sum wrap)", refuse: (p) => unasked(p, 'secureAggregationScale') },
  { field: 'analysisPlan', carriedOut: 'the evaluation at the test sites' },
  {
    field: 'analysisPlan.primaryMetric',
    carriedOut: "auc, brier and calibration-slope are in every binary evaluation report; a Cox campaign's report has the C-indices and, with outcome.horizonDays, the time-dependent AUC, Brier score and calibration slope at the horizon",
    refuse: (p) =>
      p.analysisPlan?.primaryMetric === 'c-index' && p.model.family !== 'cox'
        ? 'the C-index needs a survival campaign (a cox model)'
        : p.model.family === 'cox' && p.analysisPlan?.primaryMetric !== undefined && p.analysisPlan.primaryMetric !== 'c-index' && !(p.outcome.type === 'survival' && p.outcome.horizonDays !== undefined)
          ? `${p.analysisPlan.primaryMetric} of a Cox model is taken at the horizon; set outcome.horizonDays`
          : undefined,
  },
  {
    field: 'analysisPlan.baseline',
    carriedOut:
      "the baseline step (core/phases/baseline.ts) after training: the clinical and the combined model trained at the training sites by exact Newton rounds (unpenalised logistic regression, R's glm on the pooled complete cases; for a survival outcome the unpenalised Cox model stratified by site with the campaign's model.ties, R's coxph(... + strata(site)), locked with its baseline survival at the protocol's horizons), each locked, exported and signed like the radiomics model, whose card lists them; each test site scores all three on the patients with every covariate and reports the paired tests (radiomics vs clinical, combined vs clinical): DeLong's of the AUCs, or for survival the paired bootstrap of the difference in Harrell's C with the campaign's seed; each model's evaluations are kept per site and pooled by the meta-analysis; with training.shareSiteUpdates each round after the first carries the previous round's signed updates and every site recomputes the Newton step (apps/site-node's exchangeTrajectory.ts); refused with secureAggregation and differentialPrivacy, which its unmasked, un-noised sums would bypass",
    refuse: baselineRefusal,
  },
  { field: 'analysisPlan.baseline.covariates', carriedOut: "read by every site from the clinical table its site.yaml declares (a site refuses any covariate it does not offer); the baseline models' inputs, in this order" },
  { field: 'analysisPlan.baseline.models', carriedOut: 'which baseline models the baseline step trains and the test sites evaluate (default both)' },
  {
    field: 'analysisPlan.harmonization',
    carriedOut:
      'the harmonisation step (core/phases/harmonization.ts) before selection and training: "combat" and "combat-federated" run distributed ComBat over the training sites (equal to sva::ComBat on their pooled rows) and bring each test site, as its own batch, to their standardisation without labels; "zscore-pooled" the training sites\' pooled mean and sd at every site; "zscore-site" each site its own; every site keeps only its own estimate, and selection, tuning, training and evaluation jobs name it by the step\'s output hash',
  },
  { field: 'analysisPlan.harmonizationOptions', carriedOut: "ComBat's options, in the harmonisation step", refuse: (p) => (p.analysisPlan?.harmonizationOptions !== undefined && !isCombat(p) ? 'harmonizationOptions are ComBat\'s; give analysisPlan.harmonization "combat" or drop them' : undefined) },
  { field: 'analysisPlan.harmonizationOptions.prior', carriedOut: "ComBat's empirical-Bayes prior (parametric, or non-parametric: sva's par.prior)" },
  { field: 'analysisPlan.harmonizationOptions.meanOnly', carriedOut: "ComBat adjusts location only (sva's mean.only)" },
  {
    field: 'analysisPlan.harmonizationOptions.referenceSite',
    carriedOut: "ComBat's reference batch (sva's ref.batch): that training site keeps its values, the others are brought to it",
    refuse: (p) => {
      const ref = p.analysisPlan?.harmonizationOptions?.referenceSite;
      return ref !== undefined && !p.trainingSites.includes(ref) ? `the reference site ${ref} is not a training site; the standardisation is estimated from training sites only` : undefined;
    },
  },
  {
    field: 'analysisPlan.harmonizationOptions.covariates',
    carriedOut: "ComBat's preserved covariates (sva's mod), read by every site from the clinical table its site.yaml declares (a site refuses a covariate it does not offer, or a cohort with a patient missing one, counted): the training sites' cross-products give their β, sent to every site for its residual sums, then each site's own γ and δ",
    refuse: harmonizationCovariateRefusal,
  },
  { field: 'analysisPlan.bootstrapReplicates', carriedOut: "the test sites' bootstrap confidence intervals" },
  {
    field: 'analysisPlan.alpha',
    carriedOut: '0.05: the evaluation reports 95 % intervals',
    refuse: (p) => (p.analysisPlan?.alpha !== undefined && p.analysisPlan.alpha !== 0.05 ? `evaluation reports give 95 % intervals; alpha ${p.analysisPlan.alpha} is not carried out yet` : undefined),
  },
  {
    field: 'analysisPlan.metaAnalysis',
    carriedOut: '"random-effects" (also when absent): with two or more test sites, the meta-analysis step pools their reports by REML random effects (metafor::rma); "none": each test site reports on its own',
    refuse: (p) =>
      p.analysisPlan?.metaAnalysis === 'fixed-effect'
        ? 'fixed-effect pooling assumes the test sites share one true performance, which independent hospitals do not; this build pools by random effects (give "random-effects" or "none")'
        : undefined,
  },
  { field: 'createdAt', carriedOut: 'part of the locked document' },
  {
    field: 'attestations',
    carriedOut: "counted by the report step's RQS and METRICS as stated in the protocol, by whom, at the campaign's creation",
    refuse: (p) => refusedAttestation(p.attestations ?? []),
  },
];

function isCombat(p: CampaignProtocol): boolean {
  return p.analysisPlan?.harmonization === 'combat' || p.analysisPlan?.harmonization === 'combat-federated';
}

/** Something the operator should know before locking a protocol this coordinator would run. */
export interface ProtocolNotice {
  field: string;
  notice: string;
}

/**
 * A notice, not a refusal (issue #16, "Sites verify the model trajectory"): under a protocol that sets
 * neither training.shareSiteUpdates nor training.secureAggregation, every exchange after the first of
 * training, the selection's LASSO path, tuning and the baseline models is computed at coefficients the
 * sites cannot check, and a site refuses those jobs unless its site.yaml sets
 * trustCoordinatorCoefficients (apps/site-node's jobPolicy.ts). Such a campaign runs only where its
 * training sites opt in, which a consortium may choose; its operator hears of it at creation.
 */
export function unverifiedCoefficientsNotice(p: CampaignProtocol): ProtocolNotice | undefined {
  if (p.training.shareSiteUpdates === true || p.training.secureAggregation === true) return undefined;
  const steps = [
    p.training.rounds > 1 ? `training rounds 1 to ${p.training.rounds - 1}` : undefined,
    p.selection?.lasso ? "the selection's LASSO path" : undefined,
    p.tuning ? "the tuning step's cross-validation" : undefined,
    p.analysisPlan?.baseline ? "the baseline models' rounds after round 0" : undefined,
  ].filter((s): s is string => s !== undefined);
  if (steps.length === 0) return undefined;
  return {
    field: 'training.shareSiteUpdates',
    notice: `the protocol sets neither training.shareSiteUpdates nor training.secureAggregation, so the sites cannot check the coefficients of ${steps.join(', ')}: a site refuses those jobs unless its site.yaml sets trustCoordinatorCoefficients: true, so this campaign runs only if its training sites opt in (set training.shareSiteUpdates or training.secureAggregation for rounds every site verifies)`,
  };
}

/** The fields of `protocol` that this build cannot carry out, each with its reason. */
export function unsupportedFields(protocol: CampaignProtocol): Array<{ field: string; reason: string }> {
  const out: Array<{ field: string; reason: string }> = [];
  for (const f of PROTOCOL_FIELDS) {
    const reason = f.refuse?.(protocol);
    if (reason) out.push({ field: f.field, reason });
  }
  return out;
}

/** A protocol attestation the scores cannot take: a claim the campaign's record decides, or one stated twice. */
function refusedAttestation(attestations: NonNullable<CampaignProtocol['attestations']>): string | undefined {
  const seen = new Set<string>();
  for (const a of attestations) {
    if (!DECLARABLE_CLAIMS.has(a.claim)) return `${a.claim} is decided by what the campaign records (or names no claim left to a person): it cannot be attested`;
    if (seen.has(a.claim)) return `${a.claim} is attested twice`;
    seen.add(a.claim);
  }
  return undefined;
}
