import { describe, expect, it } from '@jest/globals';
import { resampleRows } from '../src/index.js';

// 3 positives among 10 rows of 2 features: the minority is the positive class.
const p = 2;
const x = Float64Array.from([0, 0, 1, 0, 0, 1, 5, 5, 6, 5, 2, 2, 9, 9, 3, 1, 7, 2, 4, 8]);
const label = Float64Array.from([1, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
const rowsOf = (r: { x: Float64Array; label: Float64Array }) => Array.from(r.label, (_, i) => Array.from(r.x.subarray(i * p, (i + 1) * p)));

describe('resampling the training rows to equal classes', () => {
  it('oversampling appends copies of minority rows until the classes are equal, keeping the originals', () => {
    const out = resampleRows({ x, label, p }, { method: 'oversample', seed: 3 });
    expect(out.label.length).toBe(14);
    expect(out.label.reduce((a, y) => a + y, 0)).toBe(7);
    expect(Array.from(out.x.subarray(0, 20))).toEqual(Array.from(x));
    const minority = rowsOf({ x, label }).slice(0, 3).map(String);
    rowsOf(out).slice(10).forEach((r, k) => {
      expect(minority).toContain(String(r));
      expect(out.label[10 + k]).toBe(1);
    });
    expect(resampleRows({ x, label, p }, { method: 'oversample', seed: 3 })).toEqual(out);
  });

  it('undersampling keeps every minority row and as many majority rows, in their order', () => {
    const out = resampleRows({ x, label, p }, { method: 'undersample', seed: 3 });
    expect(Array.from(out.label)).toEqual([1, 1, 1, 0, 0, 0]);
    const all = rowsOf({ x, label }).map(String);
    const kept = rowsOf(out).map(String);
    expect(kept.slice(0, 3)).toEqual(all.slice(0, 3));
    const positions = kept.slice(3).map((r) => all.indexOf(r));
    expect(positions.every((q, k) => q >= 3 && (k === 0 || q > positions[k - 1]))).toBe(true);
  });

  it('SMOTE: every new row lies between a minority row and one of its k nearest minority neighbours (brute force)', () => {
    const minority = rowsOf({ x, label }).slice(0, 3);
    const out = resampleRows({ x, label, p }, { method: 'smote', seed: 11, neighbours: 1 });
    expect(out.label.reduce((a, y) => a + y, 0)).toBe(7);
    const dist = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1]);
    for (const z of rowsOf(out).slice(10)) {
      const explained = minority.some((a, i) => {
        const nearest = minority.filter((_, j) => j !== i).sort((u, v) => dist(a, u) - dist(a, v))[0];
        const d = [nearest[0] - a[0], nearest[1] - a[1]];
        const u = d[0] !== 0 ? (z[0] - a[0]) / d[0] : (z[1] - a[1]) / d[1];
        return u >= 0 && u <= 1 && Math.abs(a[0] + u * d[0] - z[0]) < 1e-12 && Math.abs(a[1] + u * d[1] - z[1]) < 1e-12;
      });
      expect(explained).toBe(true);
    }
  });

  it('refuses rows of one class', () => {
    expect(() => resampleRows({ x, label: new Float64Array(10), p }, { method: 'smote', seed: 1 })).toThrow('Resampling needs both classes');
  });
});
