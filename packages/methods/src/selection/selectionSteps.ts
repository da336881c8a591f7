import { benjaminiHochberg, coxScoreTest, logisticScoreTest } from '@fedrad/numeric';
import { MethodConfigError } from '../errors.js';
import { momentsStandardization, pooledCorrelation, type PooledMoments } from './pooledMoments.js';

/** One step of the selection, as selected.json records it: its settings, what it kept, and why each other feature went. */
export interface SelectionStep {
  step: 'near-zero-variance' | 'reproducibility' | 'univariate' | 'correlation' | 'lasso';
  settings: Record<string, unknown>;
  kept: string[];
  removed: Array<{ feature: string; reason: string }>;
}

/** Per feature: the pooled SD, the univariate score test (statistic, p, BH q over the features tested) and the ICC when given. */
export interface FeatureStatistics {
  sd: number;
  score?: number;
  p?: number;
  q?: number;
  icc?: number;
  coefficient?: number;
}

export interface SelectionOptions {
  /** Near-zero variance: drop features whose pooled SD is at most this (constant features always go). */
  minSd?: number;
  /** Each feature's ICC (reproducibilityValues), for the reproducibility filter and for `prefer: 'reproducibility'`. */
  icc?: { values: Map<string, number>; form: string; on: 'estimate' | 'lower' };
  /** Keep features whose ICC reaches the threshold. */
  reproducibility?: { threshold: number };
  /** Keep features whose univariate score test has Benjamini–Hochberg q ≤ fdr. */
  univariate?: { fdr: number };
  /** A survival outcome: the univariate test is the Cox score test, stratified by site, with these ties (the sites send its sums). */
  survival?: { ties: 'breslow' | 'efron' };
  /** Prune pairs with |r| above the threshold, keeping the most associated (or reproducible) feature. */
  correlation?: { threshold: number; prefer: 'association' | 'reproducibility' };
}

/**
 * The coordinator's selection from pooled moments, steps in a fixed order — near-zero variance,
 * reproducibility, univariate association, correlation pruning — each only on what the previous
 * ones kept, so every statistic equals the one computed on the pooled rows. Returns the steps and
 * per-feature statistics; the LASSO step, which needs fits at the sites, follows (lassoStep.ts).
 */
export function selectionSteps(m: PooledMoments, o: SelectionOptions): { kept: string[]; steps: SelectionStep[]; statistics: Record<string, FeatureStatistics> } {
  const std = momentsStandardization(m);
  const index = new Map(m.features.map((f, j) => [f, j]));
  const statistics: Record<string, FeatureStatistics> = Object.fromEntries(m.features.map((f, j) => [f, { sd: std.scale[j] }]));
  const steps: SelectionStep[] = [];
  const run = (step: SelectionStep['step'], settings: Record<string, unknown>, kept: string[], why: (f: string) => string | undefined) => {
    const removed = kept.flatMap((f) => {
      const reason = why(f);
      return reason ? [{ feature: f, reason }] : [];
    });
    const gone = new Set(removed.map((r) => r.feature));
    const next = kept.filter((f) => !gone.has(f));
    steps.push({ step, settings, kept: next, removed });
    return next;
  };

  // 1. Near-zero variance (pooled SD from Σx, Σx²).
  const minSd = o.minSd ?? 0;
  let kept = run('near-zero-variance', { minSd }, m.features, (f) => {
    const sd = statistics[f].sd;
    return sd === 0 ? 'constant over every site' : sd <= minSd ? `pooled SD ${sd} ≤ ${minSd}` : undefined;
  });

  // 2. Reproducibility (ICC from fedrad reproducibility).
  const icc = o.icc;
  if (o.reproducibility && !icc) throw new MethodConfigError('The reproducibility filter needs the ICC of every feature (the reproducibility report).', { field: 'reproducibility' });
  if (icc) {
    const absent = kept.filter((f) => !icc.values.has(f));
    if (absent.length > 0) throw new MethodConfigError(`The reproducibility report has no ICC for ${absent.map((f) => `"${f}"`).join(', ')}; it must cover every feature selected from.`, { field: 'reproducibility' });
    for (const f of kept) statistics[f].icc = icc.values.get(f)!;
  }
  if (icc && o.reproducibility) {
    const threshold = o.reproducibility.threshold;
    kept = run('reproducibility', { form: icc.form, on: icc.on, threshold }, kept, (f) => {
      const v = icc.values.get(f)!;
      return v < threshold ? `${icc.form} ${icc.on} ${v.toFixed(3)} < ${threshold}` : undefined;
    });
  }

  // 3. Univariate association: score test of each feature's logistic model (or, for a survival
  // outcome, its Cox model stratified by site), BH over those tested.
  const tested = kept;
  const cox = o.survival;
  if (cox && (!m.coxScore || !m.coxInformation)) throw new MethodConfigError('A survival outcome is tested by the Cox score test; the sites sent no Cox score sums.', { field: 'survival' });
  const tests = tested.map((f) => {
    const j = index.get(f)!;
    return cox ? coxScoreTest(m.coxScore![j], m.coxInformation![j]) : logisticScoreTest(m.n, m.events, m.sum[j], m.sumSq[j], m.sumY[j]);
  });
  if (tests.some((t) => Number.isNaN(t.p))) {
    throw new MethodConfigError(
      cox ? `A feature has no Cox score information (constant within every risk set, or no event: ${m.events} of ${m.n}); no association can be tested.` : `The outcome has one class over all sites (${m.events} of ${m.n}); no association can be tested.`,
      { field: 'outcome' },
    );
  }
  const q = benjaminiHochberg(tests.map((t) => t.p));
  tested.forEach((f, i) => Object.assign(statistics[f], { score: tests[i].statistic, p: tests[i].p, q: q[i] }));
  if (o.univariate) {
    const fdr = o.univariate.fdr;
    const test = cox ? `Cox score, stratified by site (${cox.ties} ties)` : 'logistic score (Rao)';
    kept = run('univariate', { test, correction: 'Benjamini-Hochberg', fdr }, kept, (f) =>
      statistics[f].q! > fdr ? `q = ${statistics[f].q!.toPrecision(3)} > ${fdr} (score ${statistics[f].score!.toPrecision(4)}, p = ${statistics[f].p!.toPrecision(3)})` : undefined,
    );
  }

  // 4. Correlation pruning on the pooled correlation matrix: features in order of preference; each
  // goes when it correlates above the threshold with one already kept (greedy clustering).
  if (o.correlation) {
    const { threshold, prefer } = o.correlation;
    if (prefer === 'reproducibility' && !icc) throw new MethodConfigError('Keeping the most reproducible feature of a correlated cluster needs the reproducibility report.', { field: 'correlation.prefer' });
    const priority = (f: string) => (prefer === 'reproducibility' ? statistics[f].icc! : statistics[f].score!);
    const order = [...kept].sort((a, b) => priority(b) - priority(a) || index.get(a)! - index.get(b)!);
    const chosen: string[] = [];
    const reasons = new Map<string, string>();
    for (const f of order) {
      let worst: { g: string; r: number } | undefined;
      for (const g of chosen) {
        const r = pooledCorrelation(m, std, index.get(f)!, index.get(g)!);
        if (Math.abs(r) > threshold && (!worst || Math.abs(r) > Math.abs(worst.r))) worst = { g, r };
      }
      if (worst) reasons.set(f, `|r| = ${Math.abs(worst.r).toFixed(3)} > ${threshold} with "${worst.g}", ${prefer === 'reproducibility' ? 'more reproducible' : 'more associated'} (${priority(worst.g).toPrecision(4)} vs ${priority(f).toPrecision(4)})`);
      else chosen.push(f);
    }
    kept = run('correlation', { threshold, prefer, correlation: 'pooled Pearson' }, kept, (f) => reasons.get(f));
  }
  return { kept, steps, statistics };
}
