import { describe, expect, it } from '@jest/globals';
import { kaplanMeier, logRank } from '../src/index.js';
import { fixture, type SurvivalCase } from './fixtures.js';

const { datasets } = fixture<{ datasets: SurvivalCase[] }>('survival.json');
const close = (a: number, b: number, tol = 1e-9) => expect(Math.abs(a - b)).toBeLessThan(tol);

describe('Kaplan–Meier and log-rank agree with R survfit / survdiff', () => {
  for (const d of datasets) {
    const high = d.risk.map((r) => r >= d.cutoff);
    it(`${d.name}: KM with Greenwood SE and log-CI at fixed times, overall and per risk group`, () => {
      const groups = {
        all: { time: d.time, event: d.event },
        high: { time: d.time.filter((_, i) => high[i]), event: d.event.filter((_, i) => high[i]) },
        low: { time: d.time.filter((_, i) => !high[i]), event: d.event.filter((_, i) => !high[i]) },
      };
      for (const key of ['all', 'high', 'low'] as const) {
        const ref = d.kaplanMeier[key];
        const km = kaplanMeier(groups[key].time, groups[key].event, ref.times);
        km.forEach((p, i) => {
          close(p.survival, ref.survival[i]);
          close(p.stdErr, ref.stdErr[i]);
          expect(p.atRisk).toBe(ref.atRisk[i]);
          if (Number.isFinite(ref.lower[i])) {
            close(p.lower, ref.lower[i]);
            close(p.upper, ref.upper[i]);
          }
        });
      }
    });
    it(`${d.name}: log-rank chi-square and p for risk ≥ cut-off`, () => {
      const lr = logRank(d.time, d.event, high);
      close(lr.chiSquare, d.logRank.chiSquare);
      close(lr.pValue, d.logRank.pValue);
      expect(lr.observed[1]).toBe(d.logRank.observedHigh);
      close(lr.expected[1], d.logRank.expectedHigh);
    });
  }
});
