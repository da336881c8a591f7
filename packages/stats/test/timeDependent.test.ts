import { describe, expect, it } from '@jest/globals';
import { cumulativeDynamicAuc } from '../src/timeDependentAuc.js';

// Reference: scikit-survival's published test values for cumulative_dynamic_auc
// (tests/test_metrics.py, fixture uno_auc_data_15, the test set also being the censoring set).
const time = Float64Array.from([10.88, 19.78, 40.92, 98.7, 70.19, 10.15, 28.95, 29.57, 17.9, 63.78, 36.22, 83.14, 13.69, 99.51, 3.19]);
const event = Uint8Array.from([1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 1]);
const risk = Float64Array.from([-1.019, -0.016, 0.132, 0.269, -0.777, -1.077, 0.894, -1.227, -0.417, 0.072, -1.275, -0.91, -0.825, -0.292, -0.045]);

describe("cumulative/dynamic time-dependent AUC (Uno's IPCW)", () => {
  it.each([
    [28, 0.362963],
    [15, 0.3030303],
    [66, 0.45],
    [3.19, 0.6428571],
    [99.51 - 1e-6, 0.3162996],
  ])('at t = %p equals scikit-survival (%p)', (t, expected) => {
    expect(cumulativeDynamicAuc(time, event, risk, t)).toBeCloseTo(expected, 6);
  });
});
