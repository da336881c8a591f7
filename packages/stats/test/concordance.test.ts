import { describe, expect, it } from '@jest/globals';
import { harrellC, unoC } from '../src/index.js';
import { fixture, type SurvivalCase } from './fixtures.js';

const { datasets } = fixture<{ datasets: SurvivalCase[] }>('survival.json');

describe("Harrell's and Uno's C agree with R survival::concordance", () => {
  for (const d of datasets) {
    it(`${d.name}: Harrell's C (reverse = TRUE)`, () => {
      expect(Math.abs(harrellC(d.time, d.event, d.risk) - d.harrellC)).toBeLessThan(1e-9);
    });
    it(`${d.name}: Uno's C (timewt = "n/G2")`, () => {
      expect(Math.abs(unoC(d.time, d.event, d.risk) - d.unoC)).toBeLessThan(1e-6);
    });
    if (d.tau !== undefined) {
      it(`${d.name}: Uno's C truncated at tau = ${d.tau} (ymax)`, () => {
        expect(Math.abs(unoC(d.time, d.event, d.risk, { tau: d.tau }) - d.unoCTau!)).toBeLessThan(1e-6);
      });
    }
  }
});
