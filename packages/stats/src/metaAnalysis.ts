import { chiSquareSurvival, zCritical } from '@fedrad/numeric';
import { InvalidParameterError } from './errors.js';
import { checkLevel } from './inputs.js';

export interface MetaStudy {
  /** Site label for the forest plot. */
  label: string;
  /** Effect on the analysis scale (e.g. logit AUC). */
  estimate: number;
  /** Its sampling variance. */
  variance: number;
}

/** How τ² is estimated: restricted maximum likelihood (metafor's default) or DerSimonian–Laird. */
export type TauMethod = 'REML' | 'DL';

export interface MetaAnalysisOptions {
  /** Confidence level of the CI and the prediction interval (default 0.95). */
  level?: number;
  /** τ² estimator (default REML, as metafor::rma). */
  method?: TauMethod;
}

export interface MetaAnalysis {
  method: TauMethod;
  estimate: number;
  se: number;
  lower: number;
  upper: number;
  level: number;
  tau2: number;
  /** I² as a fraction in [0, 1]. */
  i2: number;
  q: number;
  qPValue: number;
  predictionLower: number;
  predictionUpper: number;
  /** Random-effects weights, normalised to sum to 1. */
  weights: number[];
  k: number;
}

const sum = (x: readonly number[]) => x.reduce((a, b) => a + b, 0);

/** DerSimonian & Laird 1986 (Control Clin Trials 7:177), eq. 8: τ² = max(0, (Q − (k−1)) / (Σw − Σw²/Σw)). */
function tau2DerSimonianLaird(y: readonly number[], v: readonly number[]): number {
  const w = v.map((x) => 1 / x);
  const sw = sum(w);
  const fixed = sum(y.map((yi, i) => w[i] * yi)) / sw;
  const q = sum(y.map((yi, i) => w[i] * (yi - fixed) ** 2));
  return Math.max(0, (q - (y.length - 1)) / (sw - sum(w.map((x) => x * x)) / sw));
}

/**
 * REML τ² by Fisher scoring, as metafor's rma.uni (Viechtbauer 2005, J Educ Behav Stat 30:261,
 * eq. 13; metafor source, method "REML"): with W = diag(1/(vᵢ+τ²)) and P = W − W1(1ᵀW1)⁻¹1ᵀW,
 * τ² ← τ² + (yᵀPPy − tr P) / tr(PP), the step halved while it would make τ² negative, from the
 * Hedges estimator max(0, var(y) − mean(v)) (metafor's tau2.init), until the change is below
 * 1e-10 (metafor stops at 1e-5; the test fixture runs it to 1e-10 too).
 */
function tau2Reml(y: readonly number[], v: readonly number[]): number {
  const k = y.length;
  const mean = sum(y) / k;
  let tau2 = Math.max(0, sum(y.map((yi) => (yi - mean) ** 2)) / (k - 1) - sum(v) / k);
  for (let iter = 0; iter < 1000; iter++) {
    const w = v.map((x) => 1 / (x + tau2));
    const sw = sum(w);
    const mu = sum(y.map((yi, i) => w[i] * yi)) / sw;
    // For an intercept-only model: Py = w∘(y − μ̂), tr P = Σw − Σw²/Σw, tr PP = Σw² − 2Σw³/Σw + (Σw²/Σw)².
    const sw2 = sum(w.map((x) => x * x));
    const sw3 = sum(w.map((x) => x * x * x));
    const yPPy = sum(y.map((yi, i) => (w[i] * (yi - mu)) ** 2));
    const trP = sw - sw2 / sw;
    const trPP = sw2 - (2 * sw3) / sw + (sw2 / sw) ** 2;
    let step = (yPPy - trP) / trPP;
    while (tau2 + step < 0) step /= 2;
    tau2 += step;
    if (Math.abs(step) < 1e-10) return tau2;
  }
  throw new InvalidParameterError('REML estimate of the between-site variance', 'not converged after 1000 Fisher-scoring steps', 'a convergent REML fit (try method DL)');
}

/**
 * Random-effects meta-analysis, equal to metafor::rma (test = "z") and its predict(): τ² by REML
 * (default) or DerSimonian–Laird; pooled μ = Σ wᵢ* yᵢ / Σ wᵢ* with wᵢ* = 1/(vᵢ + τ²), SE = 1/√Σwᵢ*;
 * Cochran's Q = Σ wᵢ(yᵢ − ȳ_FE)² with wᵢ = 1/vᵢ; I² = τ²/(τ² + s²) with the typical within-site
 * variance s² = (k−1)Σw/((Σw)² − Σw²) (Higgins & Thompson 2002, Stat Med 21:1539, eq. 9, as
 * metafor computes it for every τ² estimator); prediction interval μ ± z·√(SE² + τ²)
 * (Riley et al. 2011, BMJ 342:d549, with the normal quantile as metafor's predict for test = "z").
 */
export function metaAnalysis(studies: readonly MetaStudy[], options: MetaAnalysisOptions = {}): MetaAnalysis {
  const level = options.level ?? 0.95;
  const method = options.method ?? 'REML';
  checkLevel(level);
  if (method !== 'REML' && method !== 'DL') throw new InvalidParameterError('meta-analysis method', method, 'REML or DL');
  const k = studies.length;
  if (k < 2) throw new InvalidParameterError('number of sites in the meta-analysis', k, 'at least 2 independent test sites');
  for (const s of studies) {
    if (!Number.isFinite(s.estimate) || !(s.variance > 0) || !Number.isFinite(s.variance)) {
      throw new InvalidParameterError(`estimate/variance of site "${s.label}"`, `${s.estimate} / ${s.variance}`, 'a finite estimate and a positive variance');
    }
  }
  const y = studies.map((s) => s.estimate);
  const v = studies.map((s) => s.variance);
  const w = v.map((x) => 1 / x);
  const sw = sum(w);
  const sw2 = sum(w.map((x) => x * x));
  const fixed = sum(y.map((yi, i) => w[i] * yi)) / sw;
  const q = sum(y.map((yi, i) => w[i] * (yi - fixed) ** 2));
  const tau2 = method === 'REML' ? tau2Reml(y, v) : tau2DerSimonianLaird(y, v);
  const wr = v.map((x) => 1 / (x + tau2));
  const swr = sum(wr);
  const estimate = sum(y.map((yi, i) => wr[i] * yi)) / swr;
  const se = Math.sqrt(1 / swr);
  const z = zCritical(level);
  const typicalVariance = ((k - 1) * sw) / (sw * sw - sw2);
  const pi = z * Math.sqrt(se * se + tau2);
  return {
    method,
    estimate,
    se,
    lower: estimate - z * se,
    upper: estimate + z * se,
    level,
    tau2,
    i2: tau2 / (tau2 + typicalVariance),
    q,
    qPValue: chiSquareSurvival(q, k - 1),
    predictionLower: estimate - pi,
    predictionUpper: estimate + pi,
    weights: wr.map((x) => x / swr),
    k,
  };
}

const logit = (p: number) => Math.log(p / (1 - p));
const expit = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * Pools AUCs (or C-indices) across sites on the logit scale, where their sampling
 * distribution is closer to normal (Snell et al. 2018, Stat Methods Med Res 27:3505): each
 * site's variance is carried over by the delta method, var(logit A) = var(A)/(A(1−A))²,
 * and the pooled estimate, CI and prediction interval are transformed back.
 */
export function metaAnalysisLogit(sites: readonly MetaStudy[], options: MetaAnalysisOptions = {}) {
  const onLogit = sites.map((s) => {
    if (!(s.estimate > 0 && s.estimate < 1)) {
      throw new InvalidParameterError(`AUC/C-index of site "${s.label}"`, s.estimate, 'a value strictly between 0 and 1 (logit pooling)');
    }
    return { label: s.label, estimate: logit(s.estimate), variance: s.variance / (s.estimate * (1 - s.estimate)) ** 2 };
  });
  const m = metaAnalysis(onLogit, options);
  return {
    logitScale: m,
    estimate: expit(m.estimate),
    lower: expit(m.lower),
    upper: expit(m.upper),
    predictionLower: expit(m.predictionLower),
    predictionUpper: expit(m.predictionUpper),
  };
}
