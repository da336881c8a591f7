import { SeededRandom } from '@fedrad/numeric';
import { ModelSpecError } from '../errors.js';

/** How a site rebalances the classes of its TRAINING rows (never its test rows). */
export interface Resampling {
  method: 'oversample' | 'undersample' | 'smote';
  seed: number;
  /** SMOTE's neighbours (default 5, as Chawla et al. 2002 and imbalanced-learn). */
  neighbours?: number;
}

/** Rows of one table: row-major x (n × p) and 0/1 labels. */
export interface LabelledRows {
  x: Float64Array;
  label: Float64Array;
  p: number;
}

/**
 * The rows rebalanced to equal class counts (imbalanced-learn's sampling_strategy "auto"):
 * - oversample: minority rows drawn with replacement and appended until the classes are equal;
 * - undersample: majority rows drawn without replacement, the rest dropped;
 * - smote (Chawla, Bowyer, Hall & Kegelmeyer 2002, JAIR 16, §4.2): for each new row a minority row
 *   xᵢ drawn at random and one of its k nearest minority neighbours x̂ (Euclidean, on the values as
 *   given), the new row xᵢ + u (x̂ − xᵢ) with u ~ U(0, 1); appended.
 * Original rows keep their order and values; seeded, so the same seed gives the same rows.
 * `origin[i]` is the input row an output row is (−1 for an added one).
 */
export function resampleRows(rows: LabelledRows, r: Resampling): LabelledRows & { origin: Int32Array } {
  const n = rows.label.length;
  const positives = [...rows.label.keys()].filter((i) => rows.label[i] === 1);
  const negatives = [...rows.label.keys()].filter((i) => rows.label[i] !== 1);
  if (positives.length === 0 || negatives.length === 0) throw new ModelSpecError(`Resampling needs both classes; the rows have ${positives.length} positive of ${n}.`);
  const [minority, majority] = positives.length <= negatives.length ? [positives, negatives] : [negatives, positives];
  const random = new SeededRandom(r.seed);
  const p = rows.p;
  const row = (i: number) => rows.x.subarray(i * p, (i + 1) * p);
  if (r.method === 'undersample') {
    const keep = new Set(minority);
    const pool = [...majority];
    for (let k = 0; k < minority.length; k++) {
      const j = k + random.nextInt(pool.length - k);
      [pool[k], pool[j]] = [pool[j], pool[k]];
      keep.add(pool[k]);
    }
    const kept = [...rows.label.keys()].filter((i) => keep.has(i));
    const x = new Float64Array(kept.length * p);
    kept.forEach((i, k) => x.set(row(i), k * p));
    return { x, label: Float64Array.from(kept, (i) => rows.label[i]), p, origin: Int32Array.from(kept) };
  }
  const extra = majority.length - minority.length;
  const x = new Float64Array((n + extra) * p);
  x.set(rows.x);
  const label = new Float64Array(n + extra);
  label.set(rows.label);
  const minorityLabel = rows.label[minority[0]];
  const k = Math.min(r.neighbours ?? 5, minority.length - 1);
  if (r.method === 'smote' && k < 1) throw new ModelSpecError('SMOTE needs at least two rows of the minority class.');
  const neighbours = r.method === 'smote' ? nearestNeighbours(rows.x, p, minority, k) : [];
  for (let e = 0; e < extra; e++) {
    const a = random.nextInt(minority.length);
    const out = x.subarray((n + e) * p, (n + e + 1) * p);
    if (r.method === 'oversample') out.set(row(minority[a]));
    else {
      const b = neighbours[a][random.nextInt(k)];
      const u = random.nextUint32() / 4294967296;
      const xa = row(minority[a]);
      const xb = row(b);
      for (let j = 0; j < p; j++) out[j] = xa[j] + u * (xb[j] - xa[j]);
    }
    label[n + e] = minorityLabel;
  }
  return { x, label, p, origin: Int32Array.from({ length: n + extra }, (_, i) => (i < n ? i : -1)) };
}

/** For each minority row, the row indices of its k nearest other minority rows (ties by index). */
function nearestNeighbours(x: Float64Array, p: number, minority: number[], k: number): number[][] {
  return minority.map((i) => {
    const d = minority.filter((j) => j !== i).map((j) => {
      let s = 0;
      for (let c = 0; c < p; c++) s += (x[i * p + c] - x[j * p + c]) ** 2;
      return { j, s };
    });
    d.sort((a, b) => a.s - b.s || a.j - b.j);
    return d.slice(0, k).map((v) => v.j);
  });
}
