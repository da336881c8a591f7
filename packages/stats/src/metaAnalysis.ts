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

export interface MetaAnalysis {
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

/**
 * DerSimonian–Laird random-effects meta-analysis (DerSimonian & Laird 1986, Control Clin
 * Trials 7:177): Q = Σ wᵢ(yᵢ − ȳ_FE)², τ² = max(0, (Q − (k−1)) / (Σw − Σw²/Σw)),
 * pooled μ = Σ wᵢ* yᵢ / Σ wᵢ* with wᵢ* = 1/(vᵢ + τ²), SE = 1/√Σwᵢ*;
 * I² = τ²/(τ² + s²) with s² = (k−1)Σw/((Σw)² − Σw²) (Higgins & Thompson 2002);
 * prediction interval μ ± z·√(SE² + τ²) — metafor::rma(method = "DL") and predict() defaults.
 */
export function metaAnalysis(studies: readonly MetaStudy[], level = 0.95): MetaAnalysis {
  checkLevel(level);
  const k = studies.length;
  if (k < 2) throw new InvalidParameterError('number of sites in the meta-analysis', k, 'at least 2 independent test sites');
  for (const s of studies) {
    if (!Number.isFinite(s.estimate) || !(s.variance > 0)) {
      throw new InvalidParameterError(`estimate/variance of site "${s.label}"`, `${s.estimate} / ${s.variance}`, 'a finite estimate and a positive variance');
    }
  }
  const w = studies.map((s) => 1 / s.variance);
  const sw = w.reduce((a, b) => a + b, 0);
  const sw2 = w.reduce((a, b) => a + b * b, 0);
  const fixed = studies.reduce((a, s, i) => a + w[i] * s.estimate, 0) / sw;
  const q = studies.reduce((a, s, i) => a + w[i] * (s.estimate - fixed) ** 2, 0);
  const tau2 = Math.max(0, (q - (k - 1)) / (sw - sw2 / sw));
  const wr = studies.map((s) => 1 / (s.variance + tau2));
  const swr = wr.reduce((a, b) => a + b, 0);
  const estimate = studies.reduce((a, s, i) => a + wr[i] * s.estimate, 0) / swr;
  const se = Math.sqrt(1 / swr);
  const z = zCritical(level);
  const typicalVariance = ((k - 1) * sw) / (sw * sw - sw2);
  const pi = z * Math.sqrt(se * se + tau2);
  return {
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
export function metaAnalysisLogit(sites: readonly { label: string; estimate: number; variance: number }[], level = 0.95) {
  const onLogit = sites.map((s) => {
    if (!(s.estimate > 0 && s.estimate < 1)) {
      throw new InvalidParameterError(`AUC/C-index of site "${s.label}"`, s.estimate, 'a value strictly between 0 and 1 (logit pooling)');
    }
    return { label: s.label, estimate: logit(s.estimate), variance: s.variance / (s.estimate * (1 - s.estimate)) ** 2 };
  });
  const m = metaAnalysis(onLogit, level);
  return {
    logitScale: m,
    estimate: expit(m.estimate),
    lower: expit(m.lower),
    upper: expit(m.upper),
    predictionLower: expit(m.predictionLower),
    predictionUpper: expit(m.predictionUpper),
  };
}
