import { describe, expect, it } from '@jest/globals';
import { validate, type TrainRoundParams } from '@fedrad/protocol';
import { trainingMethod } from '../src/core/phases/trainingMethod.js';
import { protocolFor } from './fakeSites.js';

// The coordinator's seam onto the training method, checked against SITE_CHANNEL.md §6 (five features: p + 1 = 6).
describe('trainingMethod(protocol)', () => {
  it('starts at round 0 from zero coefficients, intercept first', () => {
    expect(trainingMethod(protocolFor()).initialState()).toEqual({ round: 0, parameters: [{ name: 'coef', shape: [6], data: [0, 0, 0, 0, 0, 0] }], server: null });
  });

  it('configures complete, valid train-round params for every site', () => {
    const protocol = protocolFor({ training: { strategy: 'fedprox', rounds: 3, localEpochs: 2, learningRate: 0.1, proximalMu: 0.5 } });
    const method = trainingMethod(protocol);
    const state = method.initialState();
    const params = method.configure(state, ['site-a', 'site-b']);
    expect(Object.keys(params)).toEqual(['site-a', 'site-b']);
    for (const p of Object.values(params)) {
      expect(validate('train-round-params', p)).toEqual({ valid: true });
      expect(p).toMatchObject({ kind: 'train-round', round: 0, strategy: 'fedprox', model: protocol.model, features: protocol.features, globalParameters: state.parameters, localEpochs: 2, proximalMu: 0.5 });
    }
  });

  it('asks each strategy for the update layout of SITE_CHANNEL.md §6', () => {
    const layoutFor = (strategy: TrainRoundParams['strategy']) => {
      const method = trainingMethod(protocolFor({ training: { strategy, rounds: 2 } }));
      return method.layout(method.configure(method.initialState(), ['site-a'])['site-a']);
    };
    expect(layoutFor('exact-newton')).toEqual({ gradient: [6], hessian: [6, 6], 'feature-sum': [5], 'feature-sumsq': [5] });
    expect(layoutFor('exact-gradient')).toEqual({ gradient: [6], 'feature-sum': [5], 'feature-sumsq': [5] });
    expect(layoutFor('fedavg')).toEqual({ coef: [6] });
    expect(layoutFor('median')).toEqual({ coef: [6] });
  });

  it('refuses a model family the coordinator cannot start', () => {
    // An MLP is not linear in its weights: exact aggregation is refused when the method is made; the
    // parameter-averaging strategies start it from learn's seeded weights (packages/methods/test/mlpFederated.test.ts).
    expect(() => trainingMethod(protocolFor({ model: { family: 'mlp' } }))).toThrow(/not linear in its weights/);
    const mlp = trainingMethod(protocolFor({ model: { family: 'mlp', hiddenLayers: [3] }, training: { strategy: 'fedavg', rounds: 2 } })).initialState();
    expect(mlp.parameters.map((t) => [t.name, t.shape])).toEqual([['input-mean', [5]], ['input-scale', [5]], ['W0', [5, 3]], ['b0', [1, 3]], ['W1', [3, 1]], ['b1', [1, 1]]]);
    // cox is started (stratified by site, packages/methods/test/coxCampaign.test.ts), on a survival outcome only.
    expect(() => trainingMethod(protocolFor({ model: { family: 'cox' } }))).toThrow(/a cox model needs a survival outcome/);
  });
});
