import { describe, expect, it } from '@jest/globals';
import { validate, type EvaluationReport } from '@fedrad/protocol';
import { compareSiteAucs, evaluateBinary, evaluateSurvival, metaAnalyzeReports, type StatsInputError } from '../src/index.js';
import { fixture, type BinaryFixture, type SurvivalCase } from './fixtures.js';

const binary = fixture<BinaryFixture>('binary.json').datasets;
const survival = fixture<{ datasets: SurvivalCase[] }>('survival.json').datasets;
const close = (a: number | undefined, b: number, tol = 1e-6) => expect(Math.abs((a ?? NaN) - b)).toBeLessThan(tol);

/** Every array in the report, with its JSON pointer. */
function arrays(value: unknown, path = ''): { path: string; length: number }[] {
  if (Array.isArray(value)) return [{ path, length: value.length }, ...value.flatMap((v, i) => arrays(v, `${path}/${i}`))];
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => arrays(v, `${path}/${k}`));
  return [];
}

function expectValid(report: EvaluationReport): void {
  const result = validate('evaluation-report', JSON.parse(JSON.stringify(report)));
  expect(result).toEqual({ valid: true });
}

describe('evaluateBinary builds a valid report whose numbers are the R references', () => {
  for (const d of binary) {
    it(d.name, () => {
      const report = evaluateBinary(d.scores, d.labels, {
        baselineScores: d.baseline,
        threshold: d.threshold,
        siteId: 'site-a',
        bootstrapReplicates: 200,
        seed: 5,
      });
      expectValid(report);
      close(report.discrimination!.auc.estimate, d.auc, 1e-12);
      close(report.discrimination!.auc.lower, d.aucCi[0]);
      close(report.discrimination!.auc.upper, d.aucCi[1]);
      close(report.discrimination!.aucVariance, d.aucVariance, 1e-9);
      const cmp = report.baselineComparison!;
      close(cmp.statistic, d.pairedDelong.z);
      close(cmp.pValue, d.pairedDelong.pValue);
      close(cmp.difference.lower, d.pairedDelong.diffCi[0]);
      close(cmp.baseline.estimate, d.baselineAuc, 1e-12);
      const tm = report.thresholdMetrics!;
      expect(tm.truePositives).toBe(d.confusion.tp);
      close(tm.sensitivity!.lower, d.sensitivity.lower, 1e-9);
      close(tm.specificity!.upper, d.specificity.upper, 1e-9);
      const cal = report.calibration!;
      close(cal.slope!.estimate, d.valProb.slope, 1e-4);
      close(cal.recalibrationIntercept!.estimate, d.valProb.intercept, 1e-4);
      close(cal.calibrationInTheLarge.estimate, d.calibrationInTheLarge.estimate);
      close(cal.brier.estimate, d.brier, 1e-12);
      close(cal.scaledBrier.estimate, d.scaledBrier, 1e-12);
      for (const g of cal.groups) expect(g.patientCount).toBeGreaterThanOrEqual(5);
      // Net benefit at the fixture's thresholds (0.05 … 0.95) within the default 0.01 grid.
      d.decisionCurve.thresholds.forEach((pt, k) => {
        const point = report.decisionCurve!.points.find((p) => Math.abs(p.threshold - pt) < 1e-9)!;
        close(point.model.estimate, d.decisionCurve.model[k], 1e-12);
        close(point.treatAll, d.decisionCurve.treatAll[k], 1e-12);
      });
      // Site summaries only: no array as long as the cohort or one of its classes.
      const cases = d.labels.filter((l) => l === 1).length;
      const counts = new Set([d.labels.length, cases, d.labels.length - cases]);
      expect(arrays(report).filter((a) => counts.has(a.length))).toEqual([]);
    });
  }

  it('raw (non-probability) scores: discrimination only, with a note', () => {
    const d = binary[0];
    const logits = d.scores.map((p) => Math.log(p / (1 - p)));
    const report = evaluateBinary(logits, d.labels, { bootstrapReplicates: 0 });
    expectValid(report);
    close(report.discrimination!.auc.estimate, d.auc, 1e-12);
    expect(report.calibration).toBeUndefined();
    expect(report.notes!.join(' ')).toMatch(/not probabilities/);
  });

  it('refuses one-class outcomes and NaN scores with stable codes', () => {
    expect(() => evaluateBinary([0.1, 0.2, 0.3], [0, 0, 0])).toThrow(expect.objectContaining({ code: 'STATS_ONE_CLASS' }) as unknown as Error);
    let err: StatsInputError | undefined;
    try {
      evaluateBinary([0.1, NaN, 0.3], [0, 1, 1]);
    } catch (e) {
      err = e as StatsInputError;
    }
    expect(err?.code).toBe('STATS_NON_FINITE');
    expect(err?.message).toMatch(/row 2/);
  });
});

describe('compareSiteAucs: unpaired DeLong between two sites from their reports', () => {
  it('equals pROC roc.test(paired = FALSE) on the two sites', () => {
    const { unpairedDelong } = fixture<BinaryFixture>('binary.json');
    const site = (name: string) => {
      const d = binary.find((x) => x.name === name)!;
      return evaluateBinary(d.scores, d.labels, { bootstrapReplicates: 0, siteId: name.split('-')[0] });
    };
    const t = compareSiteAucs(site(unpairedDelong.first), site(unpairedDelong.second));
    close(t.statistic, unpairedDelong.statistic);
    close(t.df, unpairedDelong.df);
    close(t.pValue, unpairedDelong.pValue);
  });
});

describe('evaluateSurvival builds a valid report whose numbers are the R references', () => {
  for (const d of survival) {
    it(d.name, () => {
      const grid = d.kaplanMeier.all.times;
      const report = evaluateSurvival(d.time, d.event, d.risk, { riskCutoff: d.cutoff, tau: d.tau, timeGrid: grid, bootstrapReplicates: 50, seed: 2, siteId: 'site-b' });
      expectValid(report);
      close(report.survival!.harrellC.estimate, d.harrellC, 1e-9);
      close(report.survival!.unoC.estimate, d.tau !== undefined ? d.unoCTau! : d.unoC);
      const high = report.survival!.riskGroups!.find((g) => g.group === 'high')!;
      high.curve.forEach((p, i) => {
        close(p.survival, d.kaplanMeier.high.survival[i], 1e-9);
        expect(p.atRisk).toBe(d.kaplanMeier.high.atRisk[i]);
      });
      close(report.survival!.logRank!.chiSquare, d.logRank.chiSquare, 1e-9);
      close(report.survival!.logRank!.pValue, d.logRank.pValue, 1e-9);
    });
  }
});

describe('evaluateSurvival with rare events', () => {
  it('drops resamples without an event instead of failing, and keeps Harrell’s C equal to the pair-by-pair definition', () => {
    // 30 patients, 2 events: about 1 resample in 8 has no event at all.
    const time = Array.from({ length: 30 }, (_, i) => 1 + ((i * 7) % 30));
    const event = time.map((_, i) => (i === 3 || i === 17 ? 1 : 0));
    const risk = time.map((_, i) => ((i * 13) % 11) / 10);
    let concordant = 0;
    let comparable = 0;
    for (let i = 0; i < 30; i++) {
      for (let j = 0; j < 30; j++) {
        if (!event[i] || !(time[i] < time[j] || (time[i] === time[j] && !event[j]))) continue;
        comparable++;
        concordant += risk[i] > risk[j] ? 1 : risk[i] === risk[j] ? 0.5 : 0;
      }
    }
    const report = evaluateSurvival(time, event, risk, { bootstrapReplicates: 200, seed: 4 });
    expectValid(report);
    expect(report.survival!.riskGroups).toBeUndefined();
    expect(report.notes).toEqual([expect.stringMatching(/^No risk cut-off was given/)]);
    close(report.survival!.harrellC.estimate, concordant / comparable, 1e-12);
  });
});

describe('metaAnalyzeReports pools site AUCs like metafor on the logit scale', () => {
  interface MetaCase { auc: number[]; aucVariance: number[]; estimate: number; lower: number; upper: number; tau2: number; i2: number; predictionLower: number; predictionUpper: number }
  const ref = fixture<{ meta: MetaCase[] }>('meta-bootstrap.json').meta[0];
  it('five sites', () => {
    const reports = ref.auc.map((a, i) => ({
      type: 'evaluation-report', reportVersion: 1, outcome: 'binary', siteId: `site-${i + 1}`, level: 0.95, patientCount: 100, eventCount: 30,
      discrimination: { auc: { estimate: a }, aucVariance: ref.aucVariance[i], rocCurve: [] },
    }) as EvaluationReport);
    const { analyses: [m], notes } = metaAnalyzeReports(reports, { method: 'DL' });
    expect(notes).toEqual([]);
    const expit = (x: number) => 1 / (1 + Math.exp(-x));
    close(m.pooled.estimate, expit(ref.estimate));
    close(m.pooled.lower, expit(ref.lower));
    close(m.pooled.upper, expit(ref.upper));
    close(m.predictionInterval.lower, expit(ref.predictionLower));
    close(m.predictionInterval.upper, expit(ref.predictionUpper));
    close(m.tau2, ref.tau2);
    close(m.i2, ref.i2);
    expect(m.sites.map((s) => s.label)).toEqual(['site-1', 'site-2', 'site-3', 'site-4', 'site-5']);
    const pooled: EvaluationReport = { type: 'evaluation-report', reportVersion: 1, outcome: 'binary', level: 0.95, patientCount: 500, eventCount: 150, metaAnalyses: [m] };
    expectValid(pooled);
  });
  it('a site with a perfect AUC cannot be pooled on the logit scale: it is named in the notes, and the others pool as metafor does', () => {
    const reports = [...ref.auc, 1].map((a, i) => ({
      type: 'evaluation-report', reportVersion: 1, outcome: 'binary', siteId: `site-${i + 1}`, level: 0.95, patientCount: 100, eventCount: 30,
      discrimination: { auc: { estimate: a }, aucVariance: i < ref.auc.length ? ref.aucVariance[i] : 0, rocCurve: [] },
    }) as EvaluationReport);
    const { analyses: [m], notes } = metaAnalyzeReports(reports, { method: 'DL' });
    expect(m.sites.map((s) => s.label)).toEqual(['site-1', 'site-2', 'site-3', 'site-4', 'site-5']);
    close(m.pooled.estimate, 1 / (1 + Math.exp(-ref.estimate)));
    expect(notes).toEqual([expect.stringMatching(/^auc: site-6 \(1 with variance 0\) left out of the pooling/)]);
  });
});
