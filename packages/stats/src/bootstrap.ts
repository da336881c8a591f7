import { normalCdf, normalQuantile, SeededRandom } from '@fedrad/numeric';
import { InvalidParameterError } from './errors.js';
import { checkLevel } from './inputs.js';

/**
 * A statistic evaluated on a resample, given as how many times each original row was drawn
 * (multiplicities). Statistics then run in one pass over data sorted once, instead of
 * rebuilding arrays per replicate.
 */
export type ResampleStatistic = (counts: Int32Array) => number | ArrayLike<number>;

export interface BootstrapInterval {
  estimate: number;
  lower: number;
  upper: number;
  level: number;
  se: number;
  method: 'percentile' | 'bca';
}

export interface BootstrapOptions {
  replicates?: number;
  seed?: number;
  level?: number;
  /** Stratum per row (e.g. the outcome class): each replicate keeps every stratum's size. */
  strata?: ArrayLike<number>;
  /** BCa needs n jackknife evaluations of the statistic on top of the replicates. */
  method?: 'percentile' | 'bca';
}

export interface BootstrapResult {
  replicates: number;
  seed: number;
  stratified: boolean;
  /** One interval per component of the statistic. */
  intervals: BootstrapInterval[];
}

/**
 * The r-th order statistic with interpolation on the normal scale for non-integer
 * r = (R + 1)α (Davison & Hinkley 1997, eq. 5.8; boot's norm.inter).
 */
function normInter(sorted: Float64Array, alpha: number): number {
  const R = sorted.length;
  const rk = (R + 1) * alpha;
  const k = Math.trunc(rk);
  if (k === rk && k >= 1 && k <= R) return sorted[k - 1];
  if (k <= 0) return sorted[0];
  if (k >= R) return sorted[R - 1];
  const z = normalQuantile(alpha);
  const zk = normalQuantile(k / (R + 1));
  const zk1 = normalQuantile((k + 1) / (R + 1));
  const tk = sorted[k - 1];
  const tk1 = sorted[k];
  return tk + ((z - zk) / (zk1 - zk)) * (tk1 - tk);
}

function finiteSorted(replicates: ArrayLike<number>): Float64Array {
  const t = Array.from(replicates).filter(Number.isFinite);
  return Float64Array.from(t).sort();
}

function sd(t: Float64Array): number {
  let mean = 0;
  for (let i = 0; i < t.length; i++) mean += t[i];
  mean /= t.length;
  let s = 0;
  for (let i = 0; i < t.length; i++) s += (t[i] - mean) ** 2;
  return Math.sqrt(s / (t.length - 1));
}

/** Percentile interval (Efron 1979) from bootstrap replicates. */
export function percentileInterval(estimate: number, replicates: ArrayLike<number>, level = 0.95): BootstrapInterval {
  checkLevel(level);
  const t = finiteSorted(replicates);
  return { estimate, lower: normInter(t, (1 - level) / 2), upper: normInter(t, (1 + level) / 2), level, se: sd(t), method: 'percentile' };
}

/**
 * Bias-corrected and accelerated interval (Efron 1987; Davison & Hinkley 1997 §5.3.2):
 * w = Φ⁻¹(#{t* < t₀}/R), a = Σ L³ / (6 (Σ L²)^{3/2}) from the influence values L, and the
 * α-level endpoint is the Φ(w + (w + z_α)/(1 − a(w + z_α))) quantile of the replicates.
 */
export function bcaInterval(estimate: number, replicates: ArrayLike<number>, influence: ArrayLike<number>, level = 0.95): BootstrapInterval {
  checkLevel(level);
  const t = finiteSorted(replicates);
  let below = 0;
  for (let i = 0; i < t.length; i++) if (t[i] < estimate) below++;
  const w = normalQuantile(below / t.length);
  let s2 = 0;
  let s3 = 0;
  for (let i = 0; i < influence.length; i++) {
    s2 += influence[i] ** 2;
    s3 += influence[i] ** 3;
  }
  const a = s3 / (6 * s2 ** 1.5);
  const ends = [(1 - level) / 2, (1 + level) / 2].map((alpha) => {
    const z = normalQuantile(alpha);
    const adjusted = normalCdf(w + (w + z) / (1 - a * (w + z)));
    return Number.isFinite(adjusted) && Number.isFinite(w) ? normInter(t, adjusted) : NaN;
  });
  return { estimate, lower: ends[0], upper: ends[1], level, se: sd(t), method: 'bca' };
}

/**
 * Jackknife empirical influence values l_j = (n_s − 1)(t − t₋ⱼ), t the statistic on all patients,
 * t₋ⱼ without patient j and n_s the size of j's stratum (n without strata): Davison & Hinkley
 * 1997, eq. 2.44 and §3.7, the values boot::empinf(type = "jack") gives boot.ci's BCa.
 */
export function jackknifeInfluence(n: number, statistic: ResampleStatistic, components: number, strata?: ArrayLike<number>): Float64Array[] {
  const counts = new Int32Array(n).fill(1);
  const t = asArray(statistic(counts));
  const stratumSize = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const key = strata ? strata[i] : 0;
    stratumSize.set(key, (stratumSize.get(key) ?? 0) + 1);
  }
  const values = Array.from({ length: components }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    counts[i] = 0;
    const without = asArray(statistic(counts));
    const factor = stratumSize.get(strata ? strata[i] : 0)! - 1;
    for (let c = 0; c < components; c++) values[c][i] = factor * (t[c] - without[c]);
    counts[i] = 1;
  }
  return values;
}

function asArray(v: number | ArrayLike<number>): ArrayLike<number> {
  return typeof v === 'number' ? [v] : v;
}

/**
 * Nonparametric bootstrap of any statistic of n patients, stratified when `strata` is given
 * (Davison & Hinkley 1997 §3.7): each replicate draws, within each stratum, as many rows as
 * the stratum holds, with replacement. Seeded, so the same call gives the same intervals.
 */
export function bootstrap(n: number, statistic: ResampleStatistic, options: BootstrapOptions = {}): BootstrapResult {
  const replicates = options.replicates ?? 2000;
  const seed = options.seed ?? 20240601;
  const level = checkLevel(options.level ?? 0.95);
  if (!(Number.isInteger(replicates) && replicates >= 2)) throw new InvalidParameterError('bootstrap replicates', replicates, 'an integer ≥ 2');
  if (!(Number.isInteger(n) && n >= 2)) throw new InvalidParameterError('bootstrap sample size', n, 'an integer ≥ 2');
  const ones = new Int32Array(n).fill(1);
  const estimate = Array.from(asArray(statistic(ones)));
  const components = estimate.length;
  // Row indices grouped by stratum.
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const key = options.strata ? options.strata[i] : 0;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(i);
  }
  const strata = [...groups.values()].map((g) => Int32Array.from(g));
  const rng = new SeededRandom(seed);
  const counts = new Int32Array(n);
  const draws = Array.from({ length: components }, () => new Float64Array(replicates));
  for (let r = 0; r < replicates; r++) {
    counts.fill(0);
    for (const rows of strata) for (let k = 0; k < rows.length; k++) counts[rows[rng.nextInt(rows.length)]]++;
    const v = asArray(statistic(counts));
    for (let c = 0; c < components; c++) draws[c][r] = v[c];
  }
  const influence = options.method === 'bca' ? jackknifeInfluence(n, statistic, components, options.strata) : null;
  const intervals = estimate.map((e, c) =>
    influence ? bcaInterval(e, draws[c], influence[c], level) : percentileInterval(e, draws[c], level),
  );
  return { replicates, seed, stratified: Boolean(options.strata), intervals };
}
