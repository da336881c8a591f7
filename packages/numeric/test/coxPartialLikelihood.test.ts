import { describe, expect, it } from '@jest/globals';
import { addCoxRiskSetSums, coxPartialLikelihood, coxRiskSetSums } from '../src/index.js';

// Three patients, one feature x = (0, 1, 0), times (1, 1, 2), all events: two tied at t = 1.
// Closed forms (Breslow 1974; Efron 1977 eq. 3.2), written out by hand:
//   Breslow −ℓ(β) = 2 log(2 + e^β) + log 1 − β
//   Efron   −ℓ(β) = log(2 + e^β) + log(2 + e^β − ½(1 + e^β)) − β
const x = [0, 1, 0];
const bin = [0, 0, 1];
const event = [1, 1, 1];

describe('Cox partial likelihood from risk-set sums', () => {
  it('equals the closed forms for Breslow and Efron ties, with gradient and Hessian', () => {
    for (const b of [0, 0.7, -1.3]) {
      const e = Math.exp(b);
      const breslow = coxPartialLikelihood(coxRiskSetSums(x, 1, bin, event, [b], 2), [b], 'breslow');
      expect(breslow.loss).toBeCloseTo(2 * Math.log(2 + e) - b, 13);
      expect(breslow.gradient[0]).toBeCloseTo((2 * e) / (2 + e) - 1, 13);
      expect(breslow.hessian[0]).toBeCloseTo((2 * 2 * e) / (2 + e) ** 2, 13);
      const efron = coxPartialLikelihood(coxRiskSetSums(x, 1, bin, event, [b], 2, { withEventSums: true }), [b], 'efron');
      expect(efron.loss).toBeCloseTo(Math.log(2 + e) + Math.log(1.5 + 0.5 * e) - b, 13);
      expect(efron.gradient[0]).toBeCloseTo(e / (2 + e) + (0.5 * e) / (1.5 + 0.5 * e) - 1, 13);
      expect(efron.hessian[0]).toBeCloseTo((2 * e) / (2 + e) ** 2 + (0.75 * e) / (1.5 + 0.5 * e) ** 2, 13);
    }
  });

  it('does not depend on the shift, and sums of two halves give the whole', () => {
    const b = [0.4];
    const whole = coxPartialLikelihood(coxRiskSetSums(x, 1, bin, event, b, 2, { withEventSums: true }), b, 'efron');
    const shifted = coxPartialLikelihood(coxRiskSetSums(x, 1, bin, event, b, 2, { withEventSums: true, shift: 3 }), b, 'efron');
    expect(shifted.loss).toBeCloseTo(whole.loss, 12);
    expect(shifted.gradient[0]).toBeCloseTo(whole.gradient[0], 12);
    const first = coxRiskSetSums([0, 1], 1, [0, 0], [1, 1], b, 2, { withEventSums: true });
    const second = coxRiskSetSums([0], 1, [1], [1], b, 2, { withEventSums: true });
    const pooled = coxPartialLikelihood(addCoxRiskSetSums([first, second]), b, 'efron');
    expect(pooled.loss).toBeCloseTo(whole.loss, 13);
    expect(pooled.hessian[0]).toBeCloseTo(whole.hessian[0], 13);
  });

  it('leaves out rows before the first point and counts a censored time tied with an event as at risk', () => {
    // A censored row at the event time (bin 0) is at risk: S0 = 1 + e^β there; a row in bin −1 never is.
    const s = coxRiskSetSums([1, 0, 5], 1, [0, 0, -1], [1, 0, 0], [0.5], 1);
    expect(s.riskS0[0]).toBeCloseTo(Math.exp(0.5) + 1, 14);
    expect(s.eventXSum[0]).toBe(1);
  });
});
