import { describe, expect, it } from '@jest/globals';
import { assertValid, updateLayout, type TrainRoundParams } from '@fedrad/protocol';
import { MethodConfigError, runLocalTwin, trainingMethod } from '../src/index.js';
import { featureNames, partitions, protocolFor, siteIds } from './glmSites.js';

describe('trainingMethod', () => {
  it('configures complete, schema-valid train-round params for every site, the seed moving with the round', () => {
    const method = trainingMethod(protocolFor({ family: 'logistic' }, { strategy: 'fedprox', proximalMu: 0.1, localEpochs: 3, learningRate: 0.2, seed: 7 }));
    const state = method.initialState();
    expect(state).toEqual({ round: 0, parameters: [{ name: 'coef', shape: [featureNames.length + 1], data: new Array(featureNames.length + 1).fill(0) }], server: null });
    const params = method.configure({ ...state, round: 4 }, siteIds);
    expect(Object.keys(params)).toEqual(siteIds);
    for (const s of siteIds) {
      const p = assertValid<TrainRoundParams>('train-round-params', JSON.parse(JSON.stringify(params[s])), s);
      expect(p).toEqual({
        kind: 'train-round', round: 4, strategy: 'fedprox', model: { family: 'logistic' }, features: featureNames,
        globalParameters: state.parameters, localEpochs: 3, learningRate: 0.2, proximalMu: 0.1, seed: 11,
      });
      expect(method.layout(p)).toEqual(updateLayout(p));
    }
  });

  it('describes what leaves a site: fixed-shape aggregates, the minimum cohort', () => {
    const method = trainingMethod(protocolFor({ family: 'logistic' }));
    const egress = method.egress(method.configure(method.initialState(), siteIds)['site-a']);
    const p = featureNames.length;
    expect(egress.tensors).toEqual({ gradient: [p + 1], hessian: [p + 1, p + 1], 'feature-sum': [p], 'feature-sumsq': [p] });
    expect(egress.minCohortSize).toBe(5);
    expect(egress.counts).toEqual(['sampleCount', 'eventCount']);
  });

  it('refuses a protocol it cannot train, naming the protocol field', () => {
    const attempt = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    // An MLP is trained by the parameter-averaging strategies (mlpFederated.test.ts), not by exact sums,
    // and needs a round after its standardisation round; cox is trained (test/coxCampaign.test.ts), but not on a binary outcome.
    const mlp = attempt(() => trainingMethod(protocolFor({ family: 'mlp' })));
    expect(mlp).toBeInstanceOf(MethodConfigError);
    expect(mlp).toMatchObject({ code: 'METHOD_UNSUPPORTED', context: { field: 'training.strategy' } });
    expect(attempt(() => trainingMethod(protocolFor({ family: 'mlp' }, { strategy: 'fedavg', rounds: 1 })))).toMatchObject({ context: { field: 'training.rounds' } });
    expect(attempt(() => trainingMethod(protocolFor({ family: 'logistic' }, { strategy: 'fedavg', earlyStopping: { patience: 3 } })))).toMatchObject({ context: { field: 'training.earlyStopping' } });
    expect(attempt(() => trainingMethod(protocolFor({ family: 'cox' })))).toMatchObject({ code: 'METHOD_UNSUPPORTED', context: { field: 'outcome' } });
    expect(attempt(() => trainingMethod({ ...protocolFor({ family: 'logistic' }), features: [] }))).toMatchObject({ context: { field: 'features' } });
    // Balanced class weights are carried out by the exact strategies (classWeights.test.ts), the FedAvg family (fedavgClassWeights.test.ts)
    // and median / trimmed mean (robustClassWeights.test.ts); refused for a Cox outcome, which has no classes (below).
    expect(attempt(() => trainingMethod(protocolFor({ family: 'logistic', classWeights: 'balanced' })))).toBeUndefined();

    // A setting the strategy would not use is refused here, so the coordinator and the local twin refuse it alike.
    for (const [training, field] of [
      [{ strategy: 'exact-newton', localEpochs: 2 }, 'training.localEpochs'],
      [{ strategy: 'exact-newton', learningRate: 0.1 }, 'training.learningRate'],
      [{ strategy: 'fedavg', proximalMu: 0.1 }, 'training.proximalMu'],
    ] as const) {
      const e = attempt(() => trainingMethod(protocolFor({ family: 'logistic' }, training)));
      expect(e).toMatchObject({ code: 'METHOD_UNSUPPORTED', context: { field } });
      expect((e as Error).message).toContain(`${field}: `);
    }
    expect(attempt(() => trainingMethod(protocolFor({ family: 'logistic', classWeights: 'balanced' }, { strategy: 'median' })))).toBeUndefined();
    expect(attempt(() => trainingMethod({ ...protocolFor({ family: 'cox', classWeights: 'balanced' }), outcome: { type: 'survival' } } as never))).toMatchObject({ context: { field: 'model.classWeights' } });
  });

  it('refuses a site step whose rows do not hold the model features in order (the job-input error code)', async () => {
    const method = trainingMethod(protocolFor({ family: 'logistic' }));
    const params = method.configure(method.initialState(), siteIds)['site-a'];
    const rows = partitions.get('site-a')!;
    await expect(method.siteStep(params, { ...rows, featureNames: [...featureNames].reverse() })).rejects.toMatchObject({ code: 'JOB_INPUT_INVALID', context: { field: 'params/features' } });
  });

  it('runs a parameter-averaging strategy for exactly the protocol rounds, every site in every round', async () => {
    const run = await runLocalTwin(trainingMethod(protocolFor({ family: 'logistic' }, { strategy: 'fedavg', rounds: 3, localEpochs: 2 })), partitions);
    expect(run.steps.map((s) => [s.sites, s.sampleCount, s.done])).toEqual([
      [siteIds, 240, false],
      [siteIds, 240, false],
      [siteIds, 240, true],
    ]);
    // Pooled log-loss goes down as the rounds train.
    const losses = run.steps.map((s) => s.loss!);
    expect(losses[2]).toBeLessThan(losses[0]);
    expect(run.state.round).toBe(3);
  });

  it('refuses a partition below the minimum cohort, naming the site', async () => {
    const small = new Map(partitions);
    const a = partitions.get('site-a')!;
    small.set('site-a', { featureNames: a.featureNames, x: a.x.slice(0, 4 * featureNames.length), label: a.label.slice(0, 4) });
    await expect(runLocalTwin(trainingMethod(protocolFor({ family: 'logistic' })), small, { patientCount: (r) => r.label.length })).rejects.toMatchObject({
      code: 'COHORT_TOO_SMALL',
      context: { siteId: 'site-a' },
      detail: { siteId: 'site-a', patientCount: 4, minimum: 5 },
    });
  });
});
