import { chiSquareSurvival } from './distributions.js';

/**
 * Rao's score test of a univariate logistic model logit P(y = 1) = β₀ + β x against the
 * intercept-only model (Rao 1948; McCullagh & Nelder 1989, §4.4.5), from sums over the patients
 * alone: at the null fit every μᵢ = ȳ, so the score and its efficient information are
 *   U = Σ yᵢ xᵢ − ȳ Σ xᵢ,   I = ȳ(1 − ȳ) (Σ xᵢ² − (Σ xᵢ)²/n),
 * and U²/I is χ²₁ under H₀ (R: anova(glm(y ~ 1), glm(y ~ x), test = "Rao")). `statistic` is NaN
 * for a constant x or an outcome of one class (no information).
 */
export function logisticScoreTest(n: number, events: number, sumX: number, sumXX: number, sumXY: number): { statistic: number; p: number } {
  const ybar = events / n;
  const u = sumXY - ybar * sumX;
  const info = ybar * (1 - ybar) * (sumXX - (sumX * sumX) / n);
  if (!(info > 0)) return { statistic: Number.NaN, p: Number.NaN };
  const statistic = (u * u) / info;
  return { statistic, p: chiSquareSurvival(statistic, 1) };
}

/**
 * The score test of a univariate Cox model at β = 0 (Cox 1972; Therneau & Grambsch 2000, §3.4):
 * U²/I, χ²₁ under H₀, from the score U and information I summed over the strata (R:
 * summary(coxph(Surv(t, d) ~ x + strata(s)))$sctest). NaN without information (a feature constant
 * over every risk set, or no event).
 */
export function coxScoreTest(score: number, information: number): { statistic: number; p: number } {
  if (!(information > 0)) return { statistic: Number.NaN, p: Number.NaN };
  const statistic = (score * score) / information;
  return { statistic, p: chiSquareSurvival(statistic, 1) };
}
