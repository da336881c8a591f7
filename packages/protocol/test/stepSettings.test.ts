import { describe, expect, it } from '@jest/globals';
import { plannedLassoRounds, plannedSummaryJobs, plannedTuneRounds, summaryJobBudget, tuningAlphas, withStepSettings, type CampaignProtocol } from '../src/index.js';

// The counts a site derives from its approved protocol, by hand: one extract job, one select job;
// per α tried, a grid exchange, 200 Newton steps at most per λ and the last λ's held-out scores.
const base: CampaignProtocol = {
  type: 'campaign-protocol', campaignId: 'c', title: 't', version: 1, outcome: { type: 'binary', label: 'y' }, features: ['a', 'b', 'c'],
  model: { family: 'elasticnet-logistic' }, trainingSites: ['s1', 's2'], testSites: [], minCohortSize: 5, training: { strategy: 'exact-newton', rounds: 10 },
};

describe('the selection and tuning steps in a protocol', () => {
  it('count one select job in the planned summaries, and bound the tune-round exchanges', () => {
    expect(plannedSummaryJobs(base)).toBe(0);
    expect(plannedSummaryJobs({ ...base, featureConfig: {}, selection: {} })).toBe(2);
    expect(summaryJobBudget({ ...base, selection: { fdr: 0.1 } })).toBe(1);
    // ComBat: moments and apply; with covariates the residual sums between them.
    expect(plannedSummaryJobs({ ...base, analysisPlan: { harmonization: 'combat' } })).toBe(2);
    expect(plannedSummaryJobs({ ...base, analysisPlan: { harmonization: 'combat-federated', harmonizationOptions: { covariates: ['age'] } } })).toBe(3);
    expect(plannedTuneRounds(base)).toBe(0);
    expect(plannedTuneRounds({ ...base, tuning: { cv: 'kfold' } })).toBe(1 * (2 + 100 * 200));
    expect(plannedTuneRounds({ ...base, tuning: { cv: 'kfold', alphas: [0.2, 0.5, 1], lambdas: [0.1, 0.01] } })).toBe(3 * (2 + 2 * 200));
  });

  it("bound the LASSO path's exchanges by its λ count and selection.lasso.maxIterations (default 25), before the tuning step's", () => {
    // The grid step, at most maxIterations Newton steps at each λ (one, or glmnet's 100 for maxFeatures), the last step.
    expect(plannedLassoRounds(base)).toBe(0);
    expect(plannedLassoRounds({ ...base, selection: { lasso: { lambda: 0.1 } } })).toBe(2 + 1 * 25);
    expect(plannedLassoRounds({ ...base, selection: { lasso: { maxFeatures: 3 } } })).toBe(2 + 100 * 25);
    expect(plannedLassoRounds({ ...base, selection: { lasso: { maxFeatures: 3, maxIterations: 8 } } })).toBe(2 + 100 * 8);
    expect(plannedTuneRounds({ ...base, selection: { lasso: { lambda: 0.1 } }, tuning: { cv: 'kfold', lambdas: [0.1, 0.01] } })).toBe(2 + 25 + (2 + 2 * 200));
  });

  it('try model.alpha, else the family\'s default α, unless tuning.alphas lists them', () => {
    expect(tuningAlphas({ ...base, tuning: { cv: 'kfold' } })).toEqual([0.5]);
    expect(tuningAlphas({ ...base, model: { family: 'lasso-logistic' }, tuning: { cv: 'kfold' } })).toEqual([1]);
    // glmnet's lasso for a Cox model, as fedrad tune --model cox.
    expect(tuningAlphas({ ...base, model: { family: 'cox' }, tuning: { cv: 'leave-one-site-out' } })).toEqual([1]);
    expect(tuningAlphas({ ...base, model: { family: 'elasticnet-logistic', alpha: 0.3 }, tuning: { cv: 'kfold' } })).toEqual([0.3]);
    expect(tuningAlphas({ ...base, tuning: { cv: 'kfold', alphas: [0.1, 0.9] } })).toEqual([0.1, 0.9]);
  });

  it('give the protocol training runs with: the selection\'s features and the tuning\'s λ and α in place of its own', () => {
    expect(withStepSettings(base, {})).toBe(base);
    const effective = withStepSettings(base, { features: ['b'], lambda: 0.04, alpha: 1 });
    expect(effective.features).toEqual(['b']);
    expect(effective.model).toEqual({ family: 'elasticnet-logistic', lambda: 0.04, alpha: 1 });
    expect(base.features).toEqual(['a', 'b', 'c']); // the locked protocol itself is untouched
  });
});
