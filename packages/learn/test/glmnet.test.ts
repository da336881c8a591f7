import { describe, expect, it } from '@jest/globals';
import { fitGlmnet, fitModel, originalScaleCoefficients } from '../src/index.js';
import { dataset, maxAbsDiff } from './helpers.js';

// References: glmnet 4.1 (family = "binomial", standardize = TRUE, thresh = 1e-14) and
// stats::glm, produced by scripts/fixtures/learn/make-fixtures.R on public datasets
// (R datasets::infert, MASS::Pima.tr) and a seeded synthetic cohort with p close to n.

interface GlmnetRef { alpha: number; lambda: number; intercept: number; beta: number[] }

describe('elastic-net logistic regression agrees with glmnet to 1e-4', () => {
  for (const name of ['infert', 'pima', 'synthetic']) {
    const d = dataset(name);
    for (const ref of d.reference.glmnet as GlmnetRef[]) {
      it(`${name}: alpha = ${ref.alpha}, lambda = ${ref.lambda} (proximal Newton)`, async () => {
        const model = await fitGlmnet(d.features, d.outcome, { alpha: ref.alpha, lambda: ref.lambda });
        const c = originalScaleCoefficients(model);
        expect(Math.abs(c.intercept - ref.intercept)).toBeLessThan(1e-4);
        expect(maxAbsDiff(c.beta, ref.beta)).toBeLessThan(1e-4);
        // The lasso zeros are exact zeros, as in glmnet.
        ref.beta.forEach((b, j) => { if (b === 0) expect(c.beta[j]).toBe(0); });
      });
    }
  }

  it('class weights "balanced" (n / 2n_class) agree with glmnet given the same weights', async () => {
    const d = dataset('synthetic');
    const ref = (d.reference.glmnet_balanced as GlmnetRef[])[0];
    const model = await fitGlmnet(d.features, d.outcome, { alpha: ref.alpha, lambda: ref.lambda, classWeights: 'balanced' });
    const c = originalScaleCoefficients(model);
    expect(Math.abs(c.intercept - ref.intercept)).toBeLessThan(1e-4);
    expect(maxAbsDiff(c.beta, ref.beta)).toBeLessThan(1e-4);
  });

  it('FISTA (gradient graph only) reaches the same glmnet solution on the synthetic cohort', async () => {
    const d = dataset('synthetic');
    const ref = (d.reference.glmnet as GlmnetRef[])[0];
    const model = await fitGlmnet(d.features, d.outcome, { alpha: ref.alpha, lambda: ref.lambda }, { solver: 'fista', tolerance: 1e-9, maxIterations: 20000 });
    const c = originalScaleCoefficients(model);
    expect(model.training.optimizer).toBe('fista');
    expect(Math.abs(c.intercept - ref.intercept)).toBeLessThan(1e-4);
    expect(maxAbsDiff(c.beta, ref.beta)).toBeLessThan(1e-4);
  });

  it('unpenalised logistic regression (Newton/IRLS) agrees with R glm to 1e-6', async () => {
    const d = dataset('infert');
    const model = await fitModel({ family: 'logistic', lambda: 0 }, d.features, d.outcome);
    const c = originalScaleCoefficients(model);
    expect(Math.abs(c.intercept - d.reference.glm.intercept)).toBeLessThan(1e-6);
    expect(maxAbsDiff(c.beta, d.reference.glm.beta)).toBeLessThan(1e-6);
    // Mean negative log-likelihood = −logLik / n.
    expect(model.training.objective).toBeCloseTo(-d.reference.glm.loglik / d.features.ids.length, 10);
  });
});
