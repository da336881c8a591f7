import { fQuantile, fSurvival } from '@fedrad/numeric';

/** The six forms, in Shrout & Fleiss (1979) notation; psych::ICC calls them ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k. */
export const ICC_FORMS = ['ICC(1,1)', 'ICC(2,1)', 'ICC(3,1)', 'ICC(1,k)', 'ICC(2,k)', 'ICC(3,k)'] as const;
export type IccForm = (typeof ICC_FORMS)[number];

/** What each form measures (McGraw & Wong 1996, Table 4). */
export const ICC_FORM_MEANING: Record<IccForm, string> = {
  'ICC(1,1)': 'one-way random effects, single measure',
  'ICC(2,1)': 'two-way random effects, absolute agreement, single measure',
  'ICC(3,1)': 'two-way mixed effects, consistency, single measure',
  'ICC(1,k)': 'one-way random effects, mean of k measures',
  'ICC(2,k)': 'two-way random effects, absolute agreement, mean of k measures',
  'ICC(3,k)': 'two-way mixed effects, consistency, mean of k measures',
};

/** One form's estimate with its F test against ICC = 0 and its confidence interval. */
export interface IccEstimate {
  estimate: number;
  F: number;
  df1: number;
  df2: number;
  p: number;
  lower: number;
  upper: number;
}

/**
 * The two-way ANOVA of n cases (rows) × k readers (columns): the sums of squares that every ICC
 * form is a function of, and what the federation adds up.
 */
export interface IccAnova {
  n: number;
  k: number;
  /** Between cases: k Σᵢ (x̄ᵢ. − x̄..)². */
  betweenCases: number;
  /** Between readers: n Σⱼ (x̄.ⱼ − x̄..)². */
  betweenReaders: number;
  /** Within cases: Σᵢⱼ (xᵢⱼ − x̄ᵢ.)² (readers + residual; the one-way model's error). */
  withinCases: number;
}

/**
 * Every ICC form with its F test and confidence interval from the ANOVA sums of squares:
 * estimates after Shrout & Fleiss (1979) eqs. 2–4 and their k-mean versions, intervals after
 * McGraw & Wong (1996) Table 7 (ICC(2,·) with Satterthwaite's df, their eq. for v), exactly as
 * psych::ICC computes them, so the reference fixture is psych's table.
 */
export function iccFromAnova(a: IccAnova, confidence = 0.95): Record<IccForm, IccEstimate> {
  const { n, k } = a;
  // Residual = within cases − between readers, ≥ 0 in exact arithmetic; rounding can leave −1e-28 when readers agree perfectly.
  const residual = Math.max(0, a.withinCases - a.betweenReaders);
  const msb = a.betweenCases / (n - 1);
  const msj = a.betweenReaders / (k - 1);
  const mse = residual / ((n - 1) * (k - 1));
  const msw = a.withinCases / (n * (k - 1));
  const alpha = 1 - confidence;
  const q = 1 - alpha / 2;

  // One-way (case 1) and two-way consistency (case 3): F = MSB/MSW, MSB/MSE (S&F eqs. 2, 4).
  const f1 = msb / msw;
  const df1n = n - 1;
  const df1d = n * (k - 1);
  const f3 = msb / mse;
  const df3n = n - 1;
  const df3d = (n - 1) * (k - 1);
  const p1 = fSurvival(f1, df1n, df1d);
  const p3 = fSurvival(f3, df3n, df3d);
  const icc1 = (msb - msw) / (msb + (k - 1) * msw);
  const icc2 = (msb - mse) / (msb + (k - 1) * mse + (k * (msj - mse)) / n);
  const icc3 = (msb - mse) / (msb + (k - 1) * mse);

  // McGraw & Wong Table 7, cases 1 and 3: F_L = F/F_{1−α/2}(df1, df2), F_U = F·F_{1−α/2}(df2, df1).
  const f1L = f1 / fQuantile(q, df1n, df1d);
  const f1U = f1 * fQuantile(q, df1d, df1n);
  const f3L = f3 / fQuantile(q, df3n, df3d);
  const f3U = f3 * fQuantile(q, df3d, df3n);

  // Case 2 (absolute agreement): Satterthwaite's approximate df v (McGraw & Wong 1996, Table 7 note);
  // with no residual error (MSE = 0, F_J infinite) v tends to k − 1.
  const fj = msj / mse;
  const vn = (k - 1) * (n - 1) * (k * icc2 * fj + n * (1 + (k - 1) * icc2) - k * icc2) ** 2;
  const vd = (n - 1) * k ** 2 * icc2 ** 2 * fj ** 2 + (n * (1 + (k - 1) * icc2) - k * icc2) ** 2;
  const v = Number.isFinite(fj) ? vn / vd : k - 1;
  const f2U = fQuantile(q, n - 1, v);
  const f2L = fQuantile(q, v, n - 1);
  const core = k * msj + (k * n - k - n) * mse;
  const lower2 = (n * (msb - f2U * mse)) / (f2U * core + n * msb);
  const upper2 = (n * (f2L * msb - mse)) / (core + n * f2L * msb);
  // Spearman–Brown: the mean of k measures from the single-measure limit.
  const toMean = (r: number) => (r * k) / (1 + r * (k - 1));
  // (F − 1)/(F + k − 1); a perfect agreement (no error: F infinite) has every limit at 1.
  const single = (f: number) => (f === Infinity ? 1 : (f - 1) / (f + k - 1));

  const oneWay = { F: f1, df1: df1n, df2: df1d, p: p1 };
  const twoWay = { F: f3, df1: df3n, df2: df3d, p: p3 };
  return {
    'ICC(1,1)': { estimate: icc1, ...oneWay, lower: single(f1L), upper: single(f1U) },
    'ICC(2,1)': { estimate: icc2, ...twoWay, lower: lower2, upper: upper2 },
    'ICC(3,1)': { estimate: icc3, ...twoWay, lower: single(f3L), upper: single(f3U) },
    'ICC(1,k)': { estimate: (msb - msw) / msb, ...oneWay, lower: 1 - 1 / f1L, upper: 1 - 1 / f1U },
    'ICC(2,k)': { estimate: (msb - mse) / (msb + (msj - mse) / n), ...twoWay, lower: toMean(lower2), upper: toMean(upper2) },
    'ICC(3,k)': { estimate: (msb - mse) / msb, ...twoWay, lower: 1 - 1 / f3L, upper: 1 - 1 / f3U },
  };
}
