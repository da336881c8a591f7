import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { updateLayout } from '@fedrad/protocol';
import { MethodInputError, runLocalTwin, trainingMethod } from '../src/index.js';
import { partitions, protocolFor, siteIds } from './glmSites.js';

// R's WEIGHTED pooled fits with balanced weights n / (2 n_class) (scripts/fixtures/methods/class-weights.R):
// glm(..., weights = w) and glmnet(..., weights = w) on the three sites of glm-sites.json.
const ref = JSON.parse(readFileSync(new URL('./fixtures/class-weights.json', import.meta.url), 'utf8')) as {
  weights: { positive: number; negative: number };
  fits: Array<{ family: 'logistic' | 'lasso-logistic' | 'elasticnet-logistic'; alpha: number; lambda: number; coef: number[] }>;
};

describe('balanced class weights in the exact strategies (local twin)', () => {
  for (const fit of ref.fits) {
    it(`exact Newton equals R's weighted ${fit.family} fit (1e-6)`, async () => {
      const model = fit.family === 'logistic' ? { family: fit.family, classWeights: 'balanced' as const } : { family: fit.family, alpha: fit.alpha, lambda: fit.lambda, classWeights: 'balanced' as const };
      const run = await runLocalTwin(trainingMethod(protocolFor(model)), partitions);
      expect(run.steps.at(-1)!.converged).toBe(true);
      run.state.parameters[0].data.forEach((v, j) => expect(Math.abs(v - fit.coef[j])).toBeLessThan(1e-6));
    });
  }

  it('the weights differ from none: the unweighted fit is not the weighted one', async () => {
    const fit = ref.fits[0];
    const run = await runLocalTwin(trainingMethod(protocolFor({ family: 'logistic' })), partitions);
    expect(Math.max(...run.state.parameters[0].data.map((v, j) => Math.abs(v - fit.coef[j])))).toBeGreaterThan(0.1);
  });

  it('the attacker: each class part rests on at least the minimum cohort, in the layout the guard checks', async () => {
    const protocol = protocolFor({ family: 'logistic', classWeights: 'balanced' });
    const method = trainingMethod({ ...protocol, minCohortSize: 5 });
    const params = method.configure(method.initialState(), siteIds)['site-a'];
    const update = await method.siteStep(params, partitions.get('site-a')!);
    const layout = updateLayout(params);
    expect(update.tensors.map((t) => t.name).sort()).toEqual(Object.keys(layout).sort());
    for (const t of update.tensors) expect(t.shape).toEqual(layout[t.name]);
    // A site with a rare class refuses to send that class's sums.
    const rows = partitions.get('site-a')!;
    const positives = rows.label.reduce((a, y) => a + y, 0);
    const strict = trainingMethod({ ...protocol, minCohortSize: Math.min(positives, rows.label.length - positives) + 1 });
    await expect(strict.siteStep(strict.configure(strict.initialState(), siteIds)['site-a'], rows)).rejects.toThrow(MethodInputError);
  });

  it('refuses to aggregate a sum without its class part instead of leaving it unweighted', async () => {
    const method = trainingMethod(protocolFor({ family: 'logistic', classWeights: 'balanced' }));
    const state = method.initialState();
    const params = method.configure(state, siteIds);
    const results = await Promise.all(siteIds.map(async (s) => ({ siteId: s, update: await method.siteStep(params[s], partitions.get(s)!) })));
    results[1].update.tensors = results[1].update.tensors.filter((t) => t.name !== 'hessian-positive') as typeof results[1]['update']['tensors'];
    expect(() => method.aggregate(state, results, [])).toThrow('Site site-b sent "hessian" without "hessian-positive"');
  });
});
