import { describe, expect, it } from '@jest/globals';
import { aucStatistic, bcaInterval, bootstrap, delong, jackknifeInfluence, metaAnalysis, metaAnalysisLogit, percentileInterval } from '../src/index.js';
import { fixture, type BinaryFixture } from './fixtures.js';

interface MetaCase {
  name: string; yi: number[]; vi: number[]; estimate: number; se: number; lower: number; upper: number;
  tau2: number; i2: number; q: number; qPValue: number; predictionLower: number; predictionUpper: number;
}
interface BootCase { data: number[]; t0: number; replicates: number[]; influence: number[]; level: number; percentile: [number, number]; bca: [number, number] }
interface JackCase { scores: number[]; labels: number[]; t0: number; influence: number[] }
const ref = fixture<{ meta: MetaCase[]; bootstrap: BootCase[]; stratifiedAucJackknife: JackCase }>('meta-bootstrap.json');
const close = (a: number, b: number, tol = 1e-6) => expect(Math.abs(a - b)).toBeLessThan(tol);

describe('random-effects meta-analysis agrees with metafor::rma(method = "DL")', () => {
  for (const m of ref.meta) {
    it(m.name, () => {
      const r = metaAnalysis(m.yi.map((y, i) => ({ label: `site-${i}`, estimate: y, variance: m.vi[i] })), { method: 'DL' });
      close(r.estimate, m.estimate);
      close(r.se, m.se);
      close(r.lower, m.lower);
      close(r.upper, m.upper);
      close(r.tau2, m.tau2);
      close(r.i2, m.i2);
      close(r.q, m.q);
      close(r.qPValue, m.qPValue);
      close(r.predictionLower, m.predictionLower);
      close(r.predictionUpper, m.predictionUpper);
    });
  }
  it('logit pooling transforms back: a single common AUC pools to itself', () => {
    const r = metaAnalysisLogit([{ label: 'a', estimate: 0.8, variance: 0.001 }, { label: 'b', estimate: 0.8, variance: 0.002 }]);
    close(r.estimate, 0.8, 1e-12);
    expect(r.logitScale.tau2).toBe(0);
  });
});

describe('bootstrap intervals agree with R boot::boot.ci for the same replicates', () => {
  ref.bootstrap.forEach((b, k) => {
    it(`case ${k + 1}: percentile and BCa (level ${b.level})`, () => {
      const p = percentileInterval(b.t0, b.replicates, b.level);
      close(p.lower, b.percentile[0], 1e-9);
      close(p.upper, b.percentile[1], 1e-9);
      const bca = bcaInterval(b.t0, b.replicates, b.influence, b.level);
      close(bca.lower, b.bca[0], 1e-9);
      close(bca.upper, b.bca[1], 1e-9);
    });
  });
});

describe('jackknife influence values agree with R boot::empinf(type = "jack")', () => {
  // The two statistics of the R script, written on multiplicities: mean(d[i]) and var(d[i]).
  const mean = (x: number[]) => (counts: Int32Array) => {
    let s = 0;
    let n = 0;
    for (let i = 0; i < x.length; i++) (s += counts[i] * x[i]), (n += counts[i]);
    return s / n;
  };
  const variance = (x: number[]) => (counts: Int32Array) => {
    const m = mean(x)(counts) as number;
    let s = 0;
    let n = 0;
    for (let i = 0; i < x.length; i++) (s += counts[i] * (x[i] - m) ** 2), (n += counts[i]);
    return s / (n - 1);
  };
  [mean, variance].forEach((statistic, k) => {
    it(`case ${k + 1}: ${statistic.name}`, () => {
      const b = ref.bootstrap[k];
      const [influence] = jackknifeInfluence(b.data.length, statistic(b.data), 1);
      expect(influence.length).toBe(b.influence.length);
      influence.forEach((l, i) => close(l, b.influence[i], 1e-9));
    });
  });
  it('the class-stratified AUC, where centring at t or at the leave-one-out mean differ: (n_s − 1)(t − t₋ⱼ)', () => {
    const j = ref.stratifiedAucJackknife;
    const statistic = aucStatistic(j.scores, j.labels);
    close(statistic(new Int32Array(j.labels.length).fill(1)) as number, j.t0, 1e-12);
    const [influence] = jackknifeInfluence(j.labels.length, statistic, 1, j.labels);
    influence.forEach((l, i) => close(l, j.influence[i], 1e-9));
  });
});

describe('stratified bootstrap of the AUC', () => {
  const d = fixture<BinaryFixture>('binary.json').datasets[0];
  const strata = d.labels;
  it('keeps each class size in every replicate and is reproducible from its seed', () => {
    const seen: number[] = [];
    const stat = (counts: Int32Array) => {
      let cases = 0;
      for (let i = 0; i < counts.length; i++) if (d.labels[i]) cases += counts[i];
      seen.push(cases);
      return 0;
    };
    bootstrap(d.labels.length, stat, { replicates: 50, strata, seed: 3 });
    const cases = d.labels.reduce((a, b) => a + b, 0);
    expect(new Set(seen)).toEqual(new Set([cases]));
    const a = bootstrap(d.labels.length, aucStatistic(d.scores, d.labels), { replicates: 200, strata, seed: 9 });
    const b = bootstrap(d.labels.length, aucStatistic(d.scores, d.labels), { replicates: 200, strata, seed: 9 });
    expect(a.intervals).toEqual(b.intervals);
  });
  it('the AUC statistic on unit counts is the pROC AUC, and the bootstrap SE is close to the DeLong SE', () => {
    const stat = aucStatistic(d.scores, d.labels);
    close(stat(new Int32Array(d.labels.length).fill(1)) as number, d.auc, 1e-12);
    const r = bootstrap(d.labels.length, stat, { replicates: 2000, strata, seed: 1, method: 'bca' });
    const se = Math.sqrt(d.aucVariance);
    expect(Math.abs(r.intervals[0].se - se) / se).toBeLessThan(0.1);
    // Both intervals cover the estimate and have roughly the DeLong width.
    const dl = delong(d.scores, d.labels);
    expect(r.intervals[0].lower).toBeLessThan(d.auc);
    expect(r.intervals[0].upper).toBeGreaterThan(d.auc);
    expect(Math.abs((r.intervals[0].upper - r.intervals[0].lower) - (dl.upper - dl.lower))).toBeLessThan(0.03);
  });
});
