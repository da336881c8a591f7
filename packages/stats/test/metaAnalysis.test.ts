import { describe, expect, it } from '@jest/globals';
import { validate, type EvaluationReport } from '@fedrad/protocol';
import { MismatchedReportsError, metaAnalysis, metaAnalysisLogit, metaAnalyzeReports, pooledReport, type MetaAnalysis } from '../src/index.js';
import { fixture } from './fixtures.js';

interface Fit { estimate: number; se: number; lower: number; upper: number; tau2: number; i2: number; q: number; qPValue: number; predictionLower: number; predictionUpper: number; weights: number[] }
interface Case {
  name: string; measure: string; scale: 'logit' | 'identity'; yi: number[]; vi: number[]; reml: Fit; dl: Fit; reml5: number;
  siteEstimate: number[]; siteVariance?: number[]; siteLower?: number[]; siteUpper?: number[];
}
const cases = fixture<{ cases: Case[] }>('meta-analysis.json').cases;
const byName = (measure: string) => cases.find((c) => c.measure === measure)!;
const close = (a: number | undefined, b: number, tol = 1e-6) => expect(Math.abs((a ?? NaN) - b)).toBeLessThan(tol);
const expit = (x: number) => 1 / (1 + Math.exp(-x));

function expectFit(r: MetaAnalysis, ref: Fit): void {
  close(r.estimate, ref.estimate);
  close(r.se, ref.se);
  close(r.lower, ref.lower);
  close(r.upper, ref.upper);
  close(r.tau2, ref.tau2);
  close(r.i2, ref.i2);
  close(r.q, ref.q);
  close(r.qPValue, ref.qPValue);
  close(r.predictionLower, ref.predictionLower);
  close(r.predictionUpper, ref.predictionUpper);
  r.weights.forEach((w, i) => close(w, ref.weights[i]));
}

describe('random-effects meta-analysis equals metafor::rma and predict() (REML and DL)', () => {
  for (const c of cases) {
    for (const method of ['REML', 'DL'] as const) {
      it(`${c.name}, ${method}`, () => {
        const ref = method === 'REML' ? c.reml : c.dl;
        if (c.scale === 'logit') {
          // The delta method is fedrad's: the site AUC / C and its variance go in, R's qlogis-scale numbers come out.
          const r = metaAnalysisLogit(c.siteEstimate.map((e, i) => ({ label: `s${i}`, estimate: e, variance: c.siteVariance![i] })), { method });
          expectFit(r.logitScale, ref);
          close(r.estimate, expit(ref.estimate), 1e-9);
          close(r.predictionUpper, expit(ref.predictionUpper), 1e-9);
        } else {
          expectFit(metaAnalysis(c.yi.map((y, i) => ({ label: `s${i}`, estimate: y, variance: c.vi[i] })), { method }), ref);
        }
      });
    }
  }
  it("REML is the default, and metafor's own stopping point (threshold 1e-5) is within 1e-5 of the converged estimate", () => {
    const c = byName('auc');
    const r = metaAnalysis(c.yi.map((y, i) => ({ label: `s${i}`, estimate: y, variance: c.vi[i] })));
    expect(r.method).toBe('REML');
    close(r.estimate, c.reml.estimate, 1e-9);
    close(r.estimate, c.reml5, 1e-5);
  });
  it('refuses an unknown method, one site, and a zero variance', () => {
    const two = [{ label: 'a', estimate: 0.1, variance: 0.01 }, { label: 'b', estimate: 0.2, variance: 0.02 }];
    expect(() => metaAnalysis(two, { method: 'PM' as never })).toThrow(/REML or DL/);
    expect(() => metaAnalysis(two.slice(0, 1))).toThrow(/at least 2/);
    expect(() => metaAnalysis([two[0], { ...two[1], variance: 0 }])).toThrow(/site "b"/);
  });
});

function binaryReport(siteId: string, patch: Partial<EvaluationReport> = {}): EvaluationReport {
  return { type: 'evaluation-report', reportVersion: 1, outcome: 'binary', siteId, level: 0.95, patientCount: 100, eventCount: 30, ...patch };
}
const calibration = (slope: { estimate: number; lower: number; upper: number }, citl: { estimate: number; lower: number; upper: number }) =>
  ({
    calibrationInTheLarge: citl,
    slope,
    recalibrationIntercept: { estimate: 0 },
    brier: { estimate: 0.2 },
    scaledBrier: { estimate: 0.1 },
    hosmerLemeshow: { statistic: 1, df: 8, pValue: 0.9, groups: 10 },
    groups: [],
    smoothed: [],
  }) as EvaluationReport['calibration'];

describe('metaAnalyzeReports pools the reports of test sites as metafor does', () => {
  const auc = byName('auc');
  const slope = byName('calibrationSlope');
  const citl = byName('calibrationInTheLarge');
  const reports = auc.siteEstimate.map((a, i) =>
    binaryReport(`site-${i + 1}`, {
      discrimination: { auc: { estimate: a }, aucVariance: auc.siteVariance![i], rocCurve: [] },
      // Four of the five sites report a calibration (the fifth's is absent: it just does not enter those pools).
      ...(i < 4
        ? {
            calibration: calibration(
              { estimate: slope.siteEstimate[i], lower: slope.siteLower![i], upper: slope.siteUpper![i] },
              { estimate: citl.siteEstimate[i], lower: citl.siteLower![i], upper: citl.siteUpper![i] },
            ),
          }
        : {}),
    }),
  );
  it('AUC on the logit scale, calibration slope and calibration-in-the-large on their own (REML)', () => {
    const { analyses, notes } = metaAnalyzeReports(reports);
    expect(notes).toEqual([]);
    expect(analyses.map((a) => [a.measure, a.scale, a.method])).toEqual([
      ['auc', 'logit', 'REML'],
      ['calibrationSlope', 'identity', 'REML'],
      ['calibrationInTheLarge', 'identity', 'REML'],
    ]);
    const [a, s, c] = analyses;
    close(a.pooled.estimate, expit(auc.reml.estimate));
    close(a.predictionInterval.lower, expit(auc.reml.predictionLower));
    close(a.tau2, auc.reml.tau2);
    close(a.i2, auc.reml.i2);
    a.sites.forEach((site, i) => close(site.weight, auc.reml.weights[i]));
    for (const [m, ref] of [[s, slope], [c, citl]] as const) {
      close(m.pooled.estimate, ref.reml.estimate);
      close(m.pooled.lower, ref.reml.lower);
      close(m.pooled.upper, ref.reml.upper);
      close(m.predictionInterval.upper, ref.reml.predictionUpper);
      close(m.tau2, ref.reml.tau2);
      close(m.q, ref.reml.q);
      expect(m.sites.map((x) => x.label)).toEqual(['site-1', 'site-2', 'site-3', 'site-4']);
    }
  });
  it('DerSimonian–Laird on request', () => {
    const [a, s] = metaAnalyzeReports(reports, { method: 'DL' }).analyses;
    expect(a.method).toBe('DerSimonian-Laird');
    close(a.tau2, auc.dl.tau2);
    close(s.pooled.estimate, slope.dl.estimate);
  });
  it("Harrell's C of survival reports on the logit scale", () => {
    const c = byName('harrellC');
    const survival = c.siteEstimate.map((e, i) =>
      binaryReport(`s${i}`, { outcome: 'survival', survival: { harrellC: { estimate: e }, harrellCVariance: c.siteVariance![i], unoC: { estimate: e } } }),
    );
    const { analyses: [m], notes } = metaAnalyzeReports(survival);
    expect(m.measure).toBe('harrellC');
    close(m.pooled.estimate, expit(c.reml.estimate));
    close(m.tau2, c.reml.tau2);
    expect(notes).toEqual([]);
  });
  it('a calibration with a degenerate CI is named in the notes and left out', () => {
    const bad = reports.map((r, i) => (i === 0 ? { ...r, calibration: calibration({ estimate: 1, lower: 1, upper: 1 }, r.calibration!.calibrationInTheLarge as never) } : r));
    const { analyses, notes } = metaAnalyzeReports(bad);
    expect(notes).toEqual([expect.stringMatching(/^calibrationSlope: site-1 \(1 with variance 0\) left out/)]);
    expect(analyses.find((a) => a.measure === 'calibrationSlope')!.sites.map((x) => x.label)).toEqual(['site-2', 'site-3', 'site-4']);
  });

  describe('pooledReport', () => {
    it('sums patients and events, carries the model hash, and validates against the evaluation-report schema', () => {
      const hash = 'a'.repeat(64);
      const pooled = pooledReport(reports.map((r) => ({ ...r, modelSha256: hash })));
      expect(pooled.siteId).toBeUndefined();
      expect(pooled.patientCount).toBe(500);
      expect(pooled.eventCount).toBe(150);
      expect(pooled.modelSha256).toBe(hash);
      expect(pooled.metaAnalyses).toHaveLength(3);
      expect(validate('evaluation-report', JSON.parse(JSON.stringify(pooled)))).toEqual({ valid: true });
    });
    const sources = reports.map((_, i) => `r${i + 1}.json`);
    const refuse = (edit: (r: EvaluationReport[]) => EvaluationReport[], message: RegExp) => {
      const t = () => pooledReport(edit(reports.map((r) => ({ ...r }))), { sources });
      expect(t).toThrow(MismatchedReportsError);
      expect(t).toThrow(message);
    };
    it('refuses reports of different outcomes, levels or models, naming the file', () => {
      refuse((r) => ((r[2].outcome = 'survival'), r), /^r3\.json is a report on a survival but r1\.json is binary/);
      refuse((r) => ((r[1].level = 0.9), r), /^r2\.json is at confidence level 0\.9 but r1\.json is 0\.95/);
      refuse((r) => ((r[4].modelSha256 = 'b'.repeat(64)), r), /^r5\.json is the evaluation of model b{64} but r1\.json is \(none\)/);
    });
    it('refuses the same site twice, a report without a site, a pooled report and a single report', () => {
      refuse((r) => ((r[3].siteId = 'site-1'), r), /r4\.json and r1\.json are both reports of site site-1/);
      refuse((r) => (delete r[1].siteId, r), /r2\.json is a report without a site id/);
      refuse((r) => ((r[1].metaAnalyses = []), r), /r2\.json is a pooled report/);
      refuse((r) => r.slice(0, 1), /at least 2 test sites; got 1/);
    });
  });
});
