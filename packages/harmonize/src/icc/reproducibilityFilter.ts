import { HarmonizeInputError } from '../errors.js';
import type { IccFeatureResult } from './icc.js';
import { ICC_FORMS, type IccForm } from './iccForms.js';

/**
 * Koo & Li (2016), "A guideline of selecting and reporting intraclass correlation coefficients
 * for reliability research", J Chiropr Med 15(2):155–163, p. 161: below 0.5 poor, 0.5–0.75
 * moderate, 0.75–0.9 good, above 0.9 excellent. They advise judging by the 95 % CI, which the
 * filter allows (`on: 'lower'`).
 */
export type KooLiBand = 'poor' | 'moderate' | 'good' | 'excellent';

export function kooLiBand(icc: number): KooLiBand {
  if (icc < 0.5) return 'poor';
  if (icc < 0.75) return 'moderate';
  if (icc < 0.9) return 'good';
  return 'excellent';
}

export interface ReproducibilityThreshold {
  /** Which form decides (e.g. ICC(2,1) for segmentations by different readers, Zwanenburg 2019 uses ICC(1,1) over perturbations). */
  form: IccForm;
  /** Keep a feature whose value is at least this (e.g. 0.75: "good" or better). */
  threshold: number;
  /** Judge the point estimate or the lower bound of its confidence interval (stricter). */
  on: 'estimate' | 'lower';
}

export interface ReproducibilityDecision {
  feature: string;
  kept: boolean;
  /** The value compared with the threshold. */
  value: number;
  /** The Koo & Li band of that value. */
  band: KooLiBand;
}

/** Which features pass the threshold, each with the value judged and its band; the order of `results` is kept. */
export function filterReproducible(results: readonly IccFeatureResult[], rule: ReproducibilityThreshold): ReproducibilityDecision[] {
  if (!ICC_FORMS.includes(rule.form)) throw new HarmonizeInputError(`Unknown ICC form "${rule.form}"; expected one of ${ICC_FORMS.join(', ')}.`, { field: 'form' });
  if (!(rule.threshold >= -1 && rule.threshold <= 1)) throw new HarmonizeInputError(`An ICC threshold must lie in [-1, 1]; got ${rule.threshold}.`, { field: 'threshold' });
  return results.map((r) => {
    const value = rule.on === 'lower' ? r.forms[rule.form].lower : r.forms[rule.form].estimate;
    return { feature: r.feature, kept: value >= rule.threshold, value, band: kooLiBand(value) };
  });
}
