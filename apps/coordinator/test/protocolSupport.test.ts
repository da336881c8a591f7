import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CampaignProtocol } from '@fedrad/protocol';
import { createCampaign } from '../src/core/campaigns.js';
import type { CoreContext } from '../src/core/context.js';
import { PROTOCOL_FIELDS } from '../src/core/protocolSupport.js';
import { plan } from '../src/core/phases/plan.js';
import { openStore } from '../src/store/openStore.js';
import { protocolFor } from './fakeSites.js';

// Issue #13's rule, for the fields of this build: every field of the campaign protocol is carried
// out or refused at creation with a message naming it; none is accepted and then ignored.
const schemas = join(dirname(fileURLToPath(import.meta.url)), '../../../protocols');
const schema = JSON.parse(readFileSync(join(schemas, 'campaign-protocol.schema.json'), 'utf8'));

/** Every field path of the schema: properties, oneOf variants' properties (under the shared name), local $refs. */
function schemaFields(): string[] {
  const out = new Set<string>();
  const walk = (node: Record<string, any>, prefix: string) => {
    const target = typeof node.$ref === 'string' && node.$ref.startsWith('#/$defs/') ? schema.$defs[node.$ref.split('/').pop()!] : node;
    for (const [name, sub] of Object.entries<Record<string, any>>(target.properties ?? {})) {
      out.add(prefix + name);
      walk(sub, `${prefix}${name}.`);
    }
    for (const variant of target.oneOf ?? []) walk(variant, prefix);
  };
  walk(schema, '');
  return [...out].sort();
}

const ctx = (): CoreContext => ({ db: openStore(':memory:'), clock: () => new Date('2026-12-06T12:00:00Z') });

/** For each refused field, one protocol that asks for what this build cannot do. */
const refusedExamples: Record<string, (p: CampaignProtocol) => CampaignProtocol> = {
  outcome: (p) => ({ ...p, outcome: { type: 'survival', time: 'days', event: 'died' } }),
  'outcome.positive': (p) => ({ ...p, outcome: { type: 'binary', label: 'grade', positive: 'high' } }),
  'model.hiddenLayers': (p) => ({ ...p, model: { ...p.model, hiddenLayers: [8] } }),
  'model.ties': (p) => ({ ...p, model: { ...p.model, ties: 'efron' } }),
  'model.strata': (p) => ({ ...p, model: { ...p.model, strata: 'none' } }),
  'model.timeGridDays': (p) => ({ ...p, model: { ...p.model, timeGridDays: [0, 30, 90] } }),
  'model.activation': (p) => ({ ...p, model: { ...p.model, activation: 'tanh' } }),
  'model.standardize': (p) => ({ ...p, model: { ...p.model, standardize: false }, training: { ...p.training, strategy: 'fedavg' } }),
  // Every strategy weighs the classes of a binary outcome; a time to event has none.
  'model.classWeights': (p) => ({ ...p, outcome: { type: 'survival', time: 'days', event: 'died' }, model: { family: 'cox', classWeights: 'balanced' } }),
  jobBudget: (p) => ({ ...p, testSites: ['site-t'], jobBudget: { evaluations: 0 } }),
  attestations: (p) => ({ ...p, attestations: [{ claim: 'rqs-12', value: true, by: 'study lead' }] }),
  'training.localEpochs': (p) => ({ ...p, training: { ...p.training, localEpochs: 2 } }),
  'training.learningRate': (p) => ({ ...p, training: { ...p.training, learningRate: 0.1 } }),
  'training.proximalMu': (p) => ({ ...p, training: { ...p.training, strategy: 'fedavg', proximalMu: 0.1 } }),
  'training.clipNorm': (p) => ({ ...p, training: { ...p.training, clipNorm: 1 } }),
  // The exact strategies send unclipped sums: no noise scale bounds one site's influence.
  'training.differentialPrivacy': (p) => ({ ...p, training: { ...p.training, strategy: 'exact-newton', differentialPrivacy: { noiseMultiplier: 1, delta: 1e-5 } } }),
  'training.earlyStopping': (p) => ({ ...p, training: { ...p.training, strategy: 'fedavg', earlyStopping: { patience: 3 } } }),
  'training.trimFraction': (p) => ({ ...p, training: { ...p.training, strategy: 'fedavg', trimFraction: 0.2 } }),
  // Secure aggregation runs with the summed strategies; the median needs each site's update.
  'training.secureAggregation': (p) => ({ ...p, training: { ...p.training, strategy: 'median', secureAggregation: true } }),
  'training.secureAggregationDropout': (p) => ({ ...p, training: { ...p.training, secureAggregationDropout: 0.2 } }),
  'training.secureAggregationScale': (p) => ({ ...p, training: { ...p.training, secureAggregationScale: 1000 } }),
  'analysisPlan.primaryMetric': (p) => ({ ...p, analysisPlan: { primaryMetric: 'c-index' } }),
  // A Cox campaign's baseline models are stratified by site: with one pooled baseline hazard it is refused.
  'analysisPlan.baseline': (p) => ({ ...p, testSites: ['site-t'], outcome: { type: 'survival', time: 'days', event: 'died' }, model: { family: 'cox', strata: 'none', timeGridDays: [0, 30] }, training: { ...p.training, strategy: 'exact-newton' }, analysisPlan: { baseline: { covariates: ['size_cm'] } } }),
  'analysisPlan.harmonizationOptions': (p) => ({ ...p, analysisPlan: { harmonization: 'zscore-site', harmonizationOptions: { meanOnly: true } } }),
  'analysisPlan.harmonizationOptions.referenceSite': (p) => ({ ...p, analysisPlan: { harmonization: 'combat', harmonizationOptions: { referenceSite: 'site-z' } } }),
  // The outcome as a ComBat covariate: a test site holds no label to harmonise with.
  'analysisPlan.harmonizationOptions.covariates': (p) => ({ ...p, analysisPlan: { harmonization: 'combat', harmonizationOptions: { covariates: ['age', p.outcome.type === 'binary' ? p.outcome.label : 'event'] } } }),
  'analysisPlan.alpha': (p) => ({ ...p, analysisPlan: { alpha: 0.1 } }),
  'analysisPlan.metaAnalysis': (p) => ({ ...p, analysisPlan: { metaAnalysis: 'fixed-effect' } }),
  reproducibility: (p) => ({ ...p, reproducibility: { source: 'segmentations', threshold: 0.75 } }),
  'reproducibility.perturbations': (p) => ({ ...p, featureConfig: {}, reproducibility: { source: 'perturbations', threshold: 0.75 } }),
  'reproducibility.seed': (p) => ({ ...p, featureConfig: {}, reproducibility: { source: 'segmentations', seed: 2, threshold: 0.75 } }),
  'model.alpha': (p) => ({ ...p, model: { family: 'elasticnet-logistic', alpha: 0.5 }, tuning: { cv: 'leave-one-site-out', alphas: [0.5, 1] } }),
  'model.lambda': (p) => ({ ...p, tuning: { cv: 'leave-one-site-out' } }),
  'selection.prefer': (p) => ({ ...p, selection: { maxCorrelation: 0.9, prefer: 'reproducibility' } }), // no reproducibility step in the plan
  'selection.lasso': (p) => ({ ...p, selection: { lasso: {} } }),
  tuning: (p) => ({ ...p, model: { family: 'logistic' }, tuning: { cv: 'kfold' } }),
  'tuning.cv': (p) => ({ ...p, model: { family: 'lasso-logistic' }, trainingSites: ['site-a'], tuning: { cv: 'leave-one-site-out' } }),
  'tuning.folds': (p) => ({ ...p, model: { family: 'lasso-logistic' }, tuning: { cv: 'leave-one-site-out', folds: 5 } }),
  'tuning.seed': (p) => ({ ...p, model: { family: 'lasso-logistic' }, tuning: { cv: 'leave-one-site-out', seed: 2 } }),
  'tuning.measure': (p) => ({ ...p, model: { family: 'lasso-logistic' }, tuning: { cv: 'kfold', measure: 'auc' } }),
  'tuning.alphas': (p) => ({ ...p, model: { family: 'lasso-logistic' }, tuning: { cv: 'kfold', alphas: [0.5] } }),
  'tuning.nlambda': (p) => ({ ...p, model: { family: 'lasso-logistic' }, tuning: { cv: 'kfold', lambdas: [0.1, 0.01], nlambda: 20 } }),
  'tuning.lambdaMinRatio': (p) => ({ ...p, model: { family: 'lasso-logistic' }, tuning: { cv: 'kfold', lambdas: [0.1, 0.01], lambdaMinRatio: 0.01 } }),
};

describe('every campaign-protocol field is carried out or refused', () => {
  it('the support table names exactly the fields of the schema', () => {
    expect(PROTOCOL_FIELDS.map((f) => f.field).sort()).toEqual(schemaFields());
  });

  it('each field that can be refused is refused at creation, naming it; its example is the only change from an accepted protocol', () => {
    const refusable = PROTOCOL_FIELDS.filter((f) => f.refuse).map((f) => f.field).sort();
    expect(Object.keys(refusedExamples).sort()).toEqual(refusable);
    for (const [field, make] of Object.entries(refusedExamples)) {
      const protocol = make(protocolFor({ campaignId: `refuse-${field.replace(/\./g, '-')}` }));
      let error: { code?: string; message?: string; context?: { field?: string } } | undefined;
      try {
        createCampaign(ctx(), protocol);
      } catch (e) {
        error = e as typeof error;
      }
      expect([field, error?.code]).toEqual([field, 'PROTOCOL_UNSUPPORTED']);
      expect(error?.message).toContain(`${field}: `);
    }
  });

  it('a protocol using every carried-out field is accepted', () => {
    const protocol: CampaignProtocol = {
      ...protocolFor({ campaignId: 'all-carried-out', testSites: ['site-t'] }),
      question: 'grade from T1',
      featureConfig: { families: ['morphology', 'intensity_statistics'] },
      jobBudget: { summaries: 3, evaluations: 2 },
      createdAt: '2026-12-06T12:00:00Z',
      attestations: [{ claim: 'rqs-11', value: true, by: 'study lead', evidence: 'NCT01234567' }],
      training: { strategy: 'exact-gradient', rounds: 5, quorum: 2, roundDeadlineSeconds: 60, maxAttempts: 2, learningRate: 0.5, seed: 3, secureAggregation: false },
      model: { family: 'elasticnet-logistic', alpha: 0.5, lambda: 0.05, standardize: false, classWeights: 'balanced' },
      analysisPlan: {
        primaryMetric: 'auc', harmonization: 'combat', harmonizationOptions: { prior: 'non-parametric', meanOnly: true, referenceSite: 'site-b' },
        bootstrapReplicates: 200, alpha: 0.05, metaAnalysis: 'none',
      },
    };
    expect(createCampaign(ctx(), protocol).campaignId).toBe('all-carried-out');
  });

  it('a protocol with secure aggregation, its dropout tolerance and scale is accepted with a summed strategy', () => {
    const base = protocolFor({ campaignId: 'secure-carried-out' });
    const protocol: CampaignProtocol = { ...base, training: { ...base.training, strategy: 'fedavg', secureAggregation: true, secureAggregationDropout: 0.3, secureAggregationScale: 2 ** 20 }, model: { family: 'logistic' } };
    expect(createCampaign(ctx(), protocol).campaignId).toBe('secure-carried-out');
  });

  it('a protocol with differential privacy is accepted with the FedAvg family and refused, with its reason, where its ε would not cover what the rounds release', () => {
    const base = protocolFor({ campaignId: 'dp-carried-out', model: { family: 'logistic' } });
    const dp = { noiseMultiplier: 1.1, delta: 1e-5, seed: 7 };
    const fed = (patch: Partial<CampaignProtocol['training']>, model: CampaignProtocol['model'] = { family: 'logistic' }): CampaignProtocol => ({
      ...base, campaignId: `dp-${Object.keys(patch).join('-')}-${model.family}`, model, training: { ...base.training, strategy: 'fedavg', clipNorm: 1, differentialPrivacy: dp, ...patch },
    });
    for (const strategy of ['fedavg', 'fedprox', 'fedadam', 'fedyogi'] as const) {
      expect(createCampaign(ctx(), { ...fed({ strategy }), campaignId: `dp-${strategy}` }).campaignId).toBe(`dp-${strategy}`);
    }
    const refusal = (p: CampaignProtocol) => {
      try {
        createCampaign(ctx(), p);
      } catch (e) {
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(refusal(fed({ clipNorm: undefined }))).toMatch(/training.differentialPrivacy: .*set training.clipNorm/);
    expect(refusal(fed({ strategy: 'median', clipNorm: 1 }))).toMatch(/training.differentialPrivacy: strategy median takes an order statistic/);
    expect(refusal(fed({ strategy: 'exact-gradient', clipNorm: undefined }))).toMatch(/training.differentialPrivacy: strategy exact-gradient sends exact gradient and Hessian sums/);
    // With secure aggregation the sites clip before masking and the coordinator noises the unmasked sum;
    // the noise must be one every site can draw again to check the next round's parameters.
    expect(refusal(fed({ secureAggregation: true }))).toBe('accepted');
    expect(refusal(fed({ secureAggregation: true, differentialPrivacy: { noiseMultiplier: 1.1, delta: 1e-5 } }))).toMatch(/training.secureAggregation: .*set training.differentialPrivacy.seed/);
    expect(refusal(fed({ shareSiteUpdates: true }))).toMatch(/training.differentialPrivacy: shareSiteUpdates sends the sites each other's updates without noise/);
    expect(refusal(fed({}, { family: 'mlp', hiddenLayers: [3] }))).toMatch(/training.differentialPrivacy: an mlp campaign's standardisation round sends each site's feature moments/);
    // The steps before training choose the released model's features and λ from un-noised sums.
    expect(refusal({ ...fed({}), campaignId: 'dp-selection', selection: { fdr: 0.2 } })).toMatch(/training.differentialPrivacy: the selection step chooses the released model's features from the sites' sums without noise/);
    expect(refusal({ ...fed({}, { family: 'lasso-logistic' }), campaignId: 'dp-tuning', tuning: { cv: 'leave-one-site-out' } })).toMatch(/training.differentialPrivacy: the tuning step chooses the released model's λ/);
    expect(refusal({ ...fed({}), campaignId: 'dp-balanced', model: { family: 'logistic', classWeights: 'balanced' } })).toMatch(/training.differentialPrivacy: balanced class weights send every site the training sites' pooled class counts/);
  });

  it('a protocol using every carried-out selection and tuning field is accepted, its plan running selection and tuning before training', () => {
    const protocol: CampaignProtocol = {
      ...protocolFor({ campaignId: 'steps-carried-out', model: { family: 'elasticnet-logistic', standardize: true } }),
      selection: { minSd: 0.01, fdr: 0.2, maxCorrelation: 0.9, prefer: 'association' },
      tuning: { cv: 'kfold', folds: 5, seed: 3, measure: 'deviance', rule: 'min', alphas: [0.5, 1], nlambda: 20, lambdaMinRatio: 0.01 },
    };
    expect(createCampaign(ctx(), protocol).campaignId).toBe('steps-carried-out');
    expect(plan(protocol, {})).toEqual(['selection', 'tuning', 'training', 'lock', 'report']);
    const grid: CampaignProtocol = { ...protocol, campaignId: 'steps-grid', tuning: { cv: 'leave-one-site-out', measure: 'auc', rule: '1se', lambdas: [0.2, 0.1, 0.05] } };
    expect(createCampaign(ctx(), grid).campaignId).toBe('steps-grid');
    // Selection and tuning beside harmonisation: their jobs carry the harmonisation step's output hash.
    for (const harmonization of ['combat', 'zscore-pooled', 'zscore-site'] as const) {
      const harmonised: CampaignProtocol = { ...protocol, campaignId: `steps-${harmonization}`, analysisPlan: { harmonization } };
      expect(createCampaign(ctx(), harmonised).campaignId).toBe(`steps-${harmonization}`);
      expect(plan(harmonised, {})).toEqual(['harmonization', 'selection', 'tuning', 'training', 'lock', 'report']);
    }
  });

  it('ComBat covariates are carried out with ComBat and refused, with their reason, as the outcome, a radiomics feature, twice, or with z-scoring', () => {
    const base = protocolFor({ campaignId: 'cov' });
    const withCovariates = (covariates: string[], harmonization: 'combat' | 'combat-federated' | 'zscore-pooled' = 'combat-federated', id = 'cov'): CampaignProtocol => ({ ...base, campaignId: id, features: ['f1', 'f2'], analysisPlan: { harmonization, harmonizationOptions: { covariates } } });
    expect(createCampaign(ctx(), withCovariates(['age', 'smoker'], 'combat-federated', 'cov-ok')).campaignId).toBe('cov-ok');
    const label = base.outcome.type === 'binary' ? base.outcome.label : '';
    expect(() => createCampaign(ctx(), withCovariates(['age', label]))).toThrow(`covariate "${label}" is the outcome: a test site holds no label to harmonise with`);
    expect(() => createCampaign(ctx(), withCovariates(['f2']))).toThrow('covariate "f2" is also a radiomics feature of the protocol');
    expect(() => createCampaign(ctx(), withCovariates(['age', 'age']))).toThrow('covariate "age" is listed twice');
    expect(() => createCampaign(ctx(), withCovariates(['age'], 'zscore-pooled'))).toThrow('only ComBat preserves covariates; the protocol\'s harmonisation is zscore-pooled');
  });

  it('refuses a summary budget of 0 when the protocol pins a feature config: its extraction step sends each site one extract job', () => {
    const protocol: CampaignProtocol = { ...protocolFor({ campaignId: 'no-summaries' }), featureConfig: {}, jobBudget: { summaries: 0 } };
    expect(() => createCampaign(ctx(), protocol)).toThrow('jobBudget: the plan sends each site 1 summary job(s)');
    expect(createCampaign(ctx(), { ...protocolFor({ campaignId: 'no-extraction' }), jobBudget: { summaries: 0 } }).campaignId).toBe('no-extraction');
  });

  it('a Cox protocol using every carried-out survival field is accepted', () => {
    const protocol: CampaignProtocol = {
      ...protocolFor({ campaignId: 'cox-carried-out' }),
      outcome: { type: 'survival', time: 'days_to_metastasis', event: 'metastasis', horizonDays: 730 },
      model: { family: 'cox', ties: 'efron', alpha: 1, lambda: 0.05, standardize: true },
      testSites: ['site-t'],
      analysisPlan: { primaryMetric: 'c-index' },
    };
    expect(createCampaign(ctx(), protocol).campaignId).toBe('cox-carried-out');
    // One pooled baseline hazard in pre-registered time bins.
    const pooled: CampaignProtocol = { ...protocol, campaignId: 'cox-pooled-carried-out', model: { family: 'cox', ties: 'breslow', strata: 'none', timeGridDays: [0, 30, 90, 180, 365] } };
    expect(createCampaign(ctx(), pooled).campaignId).toBe('cox-pooled-carried-out');
  });

  it("a Cox protocol's tuning step is carried out as glmnet's Cox cross-validation, and what that is not is refused by name", () => {
    const protocol: CampaignProtocol = {
      ...protocolFor({ campaignId: 'cox-tuning' }),
      outcome: { type: 'survival', time: 'days', event: 'died' },
      model: { family: 'cox', ties: 'breslow', standardize: true },
      tuning: { cv: 'leave-one-site-out', measure: 'C', rule: 'min', alphas: [0.5, 1], nlambda: 20, lambdaMinRatio: 0.05 },
    };
    expect(createCampaign(ctx(), protocol).campaignId).toBe('cox-tuning');
    expect(plan(protocol, {})).toEqual(['tuning', 'training', 'lock', 'report']);
    expect(createCampaign(ctx(), { ...protocol, campaignId: 'cox-tuning-deviance', tuning: { cv: 'leave-one-site-out', measure: 'deviance', lambdas: [0.1, 0.05] } }).campaignId).toBe('cox-tuning-deviance');
    const refused = (change: Partial<CampaignProtocol>) => () => createCampaign(ctx(), { ...protocol, campaignId: 'cox-tuning-refused', ...change });
    // K folds within sites, scored by the deviance (the default); the C-index with K folds is refused by name.
    expect(createCampaign(ctx(), { ...protocol, campaignId: 'cox-tuning-kfold', tuning: { cv: 'kfold', folds: 3, seed: 2 } }).campaignId).toBe('cox-tuning-kfold');
    expect(refused({ tuning: { cv: 'kfold', folds: 3, measure: 'C' } })).toThrow(/tuning: tuning.measure C with tuning.cv kfold: cv.glmnet's C-index ranks a held-out fold's pairs across sites/);
    expect(refused({ tuning: { cv: 'leave-one-site-out', measure: 'auc' } })).toThrow(/tuning.measure auc: a Cox model is tuned by C/);
    expect(refused({ model: { family: 'cox', ties: 'efron' } })).toThrow(/model.ties efron: Cox tuning is glmnet's Cox, with Breslow's ties/);
    expect(refused({ model: { family: 'cox', strata: 'none', timeGridDays: [0, 30] } })).toThrow(/model.strata none: Cox tuning stratifies by site/);
    expect(refused({ model: { family: 'cox', standardize: false } })).toThrow(/model.standardize false: the Cox tuning penalises standardised coefficients/);
    // C is a Cox model's criterion.
    expect(() => createCampaign(ctx(), { ...protocolFor({ campaignId: 'logistic-c', model: { family: 'lasso-logistic' } }), tuning: { cv: 'leave-one-site-out', measure: 'C' } })).toThrow(/tuning.measure: C is Harrell's C-index of a Cox model/);
  });
});

describe('the operator hears at creation of exchanges the sites cannot verify (issue #16)', () => {
  const notices = (p: CampaignProtocol) => createCampaign(ctx(), p).notices;
  it('a protocol with neither training.shareSiteUpdates nor training.secureAggregation and more than one round is created, with a notice naming both and the sites\' opt-in', () => {
    const [notice] = notices(protocolFor({ campaignId: 'plain-rounds' }));
    expect(notice.field).toBe('training.shareSiteUpdates');
    for (const named of ['training.shareSiteUpdates', 'training.secureAggregation', 'trustCoordinatorCoefficients: true', 'training rounds 1 to 29']) expect(notice.notice).toContain(named);
    // One round: every job starts from the protocol's own parameters, which each site checks.
    expect(notices(protocolFor({ campaignId: 'plain-one-round', training: { rounds: 1 } }))).toEqual([]);
    // …unless a tuning step exchanges at the coordinator's coefficients before it.
    const tuned: CampaignProtocol = { ...protocolFor({ campaignId: 'plain-tuned', model: { family: 'lasso-logistic', standardize: true }, training: { rounds: 1 } }), tuning: { cv: 'leave-one-site-out' } };
    expect(notices(tuned).map((n) => n.notice)).toEqual([expect.stringContaining("the tuning step's cross-validation")]);
  });
  it('no notice where every site verifies the rounds: shared site updates or secure aggregation', () => {
    expect(notices(protocolFor({ campaignId: 'shared', training: { shareSiteUpdates: true } }))).toEqual([]);
    expect(notices({ ...protocolFor({ campaignId: 'masked', training: { strategy: 'fedavg', secureAggregation: true } }), model: { family: 'logistic' } })).toEqual([]);
  });
});
