import { describe, expect, it } from '@jest/globals';
import { buildModel, fitCox, LocalTrainer, originalScaleCoefficients, type OutcomeTable } from '../src/index.js';
import { dataset, maxAbsDiff } from './helpers.js';

// References: R survival 3.5 coxph(ties = "breslow", eps = 1e-14) on survival::lung
// (scripts/fixtures/learn/make-fixtures.R).
const d = dataset('lung');
const ref = d.reference;

function withoutStrata(o: OutcomeTable): OutcomeTable {
  if (o.kind !== 'survival') throw new Error('survival outcome expected');
  return { kind: 'survival', ids: o.ids, time: o.time, event: o.event };
}

describe('Cox proportional hazards (Breslow ties) agrees with R survival::coxph', () => {
  it('coefficients to 1e-5 and the maximised log partial likelihood', async () => {
    const model = await fitCox(d.features, withoutStrata(d.outcome));
    const c = originalScaleCoefficients(model);
    expect(maxAbsDiff(c.beta, ref.cox.beta)).toBeLessThan(1e-5);
    expect(model.training.n).toBe(ref.n);
    expect(model.training.events).toBe(ref.events);
    // objective = −loglik / n
    expect(model.training.objective * ref.n).toBeCloseTo(-ref.cox.loglik[1], 8);
  });

  it('standardising first does not change the unpenalised coefficients on the original scale', async () => {
    const model = await fitCox(d.features, withoutStrata(d.outcome), { standardize: true });
    expect(maxAbsDiff(originalScaleCoefficients(model).beta, ref.cox.beta)).toBeLessThan(1e-5);
  });

  it('stratified by sex (strata(sex)) to 1e-5', async () => {
    const keep = ref.cox_strata_sex.features as string[];
    const idx = keep.map((f) => d.features.featureNames.indexOf(f));
    const p = d.features.featureNames.length;
    const features = {
      ids: d.features.ids,
      featureNames: keep,
      values: Float64Array.from({ length: d.features.ids.length * keep.length }, (_, k) => d.features.values[Math.floor(k / keep.length) * p + idx[k % keep.length]]),
    };
    const model = await fitCox(features, d.outcome);
    expect(maxAbsDiff(originalScaleCoefficients(model).beta, ref.cox_strata_sex.beta)).toBeLessThan(1e-5);
    expect(model.training.objective * ref.n).toBeCloseTo(-ref.cox_strata_sex.loglik[1], 8);
  });

  it('the derived gradient and Hessian graphs give R’s score at 0 and information at the optimum', async () => {
    const o = withoutStrata(d.outcome) as Extract<OutcomeTable, { kind: 'survival' }>;
    const p = d.features.featureNames.length;
    const trainer = await LocalTrainer.create(buildModel({ family: 'cox' }, p), {
      n: d.features.ids.length, p, x: d.features.values, weight: new Float64Array(d.features.ids.length).fill(1), time: o.time, event: o.event,
    });
    const atZero = await trainer.gradient(new Float64Array(p));
    // Our loss is −loglik, so its gradient is −score.
    expect(maxAbsDiff(atZero.gradient!.map((g) => -g), ref.cox.score_at_zero)).toBeLessThan(1e-8);
    expect(atZero.loss).toBeCloseTo(-ref.cox.loglik[0], 9);
    const atOpt = await trainer.hessian(Float64Array.from(ref.cox.beta));
    const information = (ref.cox.information as number[][]).flat();
    const scale = Math.max(...information.map(Math.abs));
    // R's information is inverted from the variance at its own optimum: agreement to ~1e-6 relative.
    expect(maxAbsDiff(atOpt.hessian!, information) / scale).toBeLessThan(1e-6);
    await trainer.release();
  });
});
