import { describe, expect, it } from '@jest/globals';
import { assertValid, type TrainRoundParams } from '@fedrad/protocol';
import { MethodConfigError, MethodInputError, runLocalTwin, trainingMethod, type TrainingRows } from '../src/index.js';
import { featureNames, partitions, ref } from './classWeightsFixture.js';
import { protocolFor } from './glmSites.js';

// The reference: classWeightsFixture.ts (R's pooled logistic fits with and without balanced weights).
const siteIds = [...partitions.keys()];

const protocol = (strategy: 'fedavg' | 'fedprox' | 'fedadam' | 'fedyogi' | 'median', classWeights: 'none' | 'balanced', extra: Record<string, unknown> = {}) => ({
  ...protocolFor({ family: 'logistic', classWeights }, { strategy, rounds: 40, localEpochs: 5, learningRate: 0.5, ...(strategy === 'fedprox' ? { proximalMu: 0.01 } : {}), ...extra }),
  features: featureNames,
  trainingSites: siteIds,
});
const maxDiff = (a: ArrayLike<number>, b: readonly number[]) => Math.max(...Array.from(a, (v, j) => Math.abs(v - b[j])));

// The FedAvg family's fixed point is the pooled fit only up to each site's local standardisation of
// its rows (localTraining.ts); on sites drawn from one cohort that leaves less than 0.02 per coefficient.
const TOLERANCE = 0.02;

describe('balanced class weights in the FedAvg family (local twin)', () => {
  for (const strategy of ['fedavg', 'fedprox'] as const) {
    it(`${strategy} with balanced weights converges to R's weighted pooled glm (within ${TOLERANCE}), not to the unweighted one`, async () => {
      const run = await runLocalTwin(trainingMethod(protocol(strategy, 'balanced')), partitions);
      const coef = run.state.parameters[0].data;
      expect(maxDiff(coef, ref.balanced)).toBeLessThan(TOLERANCE);
      // The weights move the intercept by more than a whole unit here: the test can tell them apart.
      expect(maxDiff(coef, ref.unweighted)).toBeGreaterThan(1);
    }, 60_000);
  }

  it('without weights the same rounds reach the unweighted pooled glm (the control)', async () => {
    const run = await runLocalTwin(trainingMethod(protocol('fedavg', 'none')), partitions);
    expect(maxDiff(run.state.parameters[0].data, ref.unweighted)).toBeLessThan(TOLERANCE);
  }, 60_000);

  it('round 0 trains nothing and counts; round 1 carries the pooled counts and R\'s n / (2 n_class)', async () => {
    const method = trainingMethod(protocol('fedadam', 'balanced'));
    const state = method.initialState();
    const params0 = method.configure(state, siteIds);
    expect(params0[siteIds[0]].balancedWeights).toBeUndefined();
    expect(method.egress(params0[siteIds[0]]).summary).toContain('nothing trained');
    const results = await Promise.all(siteIds.map(async (s) => ({ siteId: s, update: await method.siteStep(params0[s], partitions.get(s)!) })));
    for (const r of results) expect(r.update.tensors[0].data).toEqual(state.parameters[0].data);
    const outcome = method.aggregate(state, results, []);
    expect(outcome.state.parameters).toEqual(state.parameters);
    const params1 = method.configure(outcome.state, siteIds);
    for (const s of siteIds) {
      const sent = assertValid<TrainRoundParams>('train-round-params', JSON.parse(JSON.stringify(params1[s])), s).balancedWeights!;
      expect({ sampleCount: sent.sampleCount, positiveCount: sent.positiveCount }).toEqual(ref.counts);
      expect(sent.positive).toBeCloseTo(ref.weights.positive, 12);
      expect(sent.negative).toBeCloseTo(ref.weights.negative, 12);
    }
    // FedAdam's own state starts at round 1, so its first step is a step, not an update by zero.
    const r1 = await Promise.all(siteIds.map(async (s) => ({ siteId: s, update: await method.siteStep(params1[s], partitions.get(s)!) })));
    const after = method.aggregate(outcome.state, r1, []);
    expect(maxDiff(after.state.parameters[0].data, [0, 0, 0, 0])).toBeGreaterThan(0);
  });

  it('the attacker: a site refuses weights that do not follow from the counts, counts below its own, and rounds that skip the count', async () => {
    const method = trainingMethod(protocol('fedavg', 'balanced'));
    const rows = partitions.get('site-a')!;
    const counted = { round: 1, parameters: method.initialState().parameters, server: { classCounts: ref.counts, strategy: null } };
    const honest = method.configure(counted, siteIds)['site-a'];
    await expect(method.siteStep(honest, rows)).resolves.toMatchObject({ contents: 'parameters' });
    const w = honest.balancedWeights!;
    const refused = async (params: TrainRoundParams, message: string) => {
      const e = await method.siteStep(params, rows).then(() => undefined, (err: unknown) => err);
      expect(e).toBeInstanceOf(MethodInputError);
      expect(e).toMatchObject({ context: { field: 'params/balancedWeights' } });
      expect((e as Error).message).toContain(message);
    };
    // Positive patients weighted 50 times: the site's update would be mostly its positive patients'.
    await refused({ ...honest, balancedWeights: { ...w, positive: 50 * w.positive } }, 'do not follow from its pooled counts');
    // Counts made up to give that weight: fewer positives than this site alone holds.
    const positives = rows.label.reduce((a, y) => a + y, 0);
    await refused({ ...honest, balancedWeights: { sampleCount: ref.counts.sampleCount, positiveCount: 1, negative: 0, positive: 0 } }, `(${positives} positive`);
    await refused({ ...honest, balancedWeights: undefined }, 'carries none');
    await refused({ ...honest, round: 0 }, 'Round 0 counts the classes');
    // Counts inflated around a site's few positives (N = 10⁹, N₊ = its own 2): the weights follow from the
    // counts, but the update would be an aggregate of 2 patients — refused below the minimum cohort (5).
    let kept = 0;
    const fewPositives: TrainingRows = { ...rows, label: Float64Array.from(rows.label, (y) => (y === 1 && kept++ < 2 ? 1 : 0)) };
    const inflated = { sampleCount: 1e9, positiveCount: 2, negative: 1e9 / (2 * (1e9 - 2)), positive: 1e9 / 4 };
    const e = await method.siteStep({ ...honest, balancedWeights: inflated }, fewPositives).then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(MethodInputError);
    expect((e as Error).message).toContain('holds 2 positive patient(s), fewer than the minimum cohort 5');
  });

  it('is refused where it would not be carried out', () => {
    const field = (p: ReturnType<typeof protocol>) => {
      try {
        trainingMethod(p);
        return undefined;
      } catch (e) {
        expect(e).toBeInstanceOf(MethodConfigError);
        return (e as MethodConfigError).context?.field;
      }
    };
    expect(field(protocol('fedyogi', 'balanced'))).toBeUndefined();
    // Median and trimmed mean weight the local loss as FedAvg does (robustClassWeights.test.ts); a Cox outcome has no classes.
    expect(field(protocol('median', 'balanced'))).toBeUndefined();
    expect(field({ ...protocol('fedavg', 'balanced'), model: { family: 'cox', classWeights: 'balanced' }, outcome: { type: 'survival' } } as never)).toBe('model.classWeights');
    expect(field({ ...protocol('fedavg', 'balanced'), model: { family: 'mlp', classWeights: 'balanced' } })).toBeUndefined();
    expect(field(protocol('fedavg', 'balanced', { rounds: 1 }))).toBe('training.rounds');
    expect(field(protocol('fedavg', 'balanced', { clipNorm: 1, differentialPrivacy: { noiseMultiplier: 1, delta: 1e-5 } }))).toBe('training.differentialPrivacy');
  });
});
