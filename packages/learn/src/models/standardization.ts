import { columnStandardization, constantFeatures, type Standardization } from '@fedrad/numeric';
import { ConstantFeatureError } from '../errors.js';

/**
 * Standardisation for a fit on one table: @fedrad/numeric's glmnet standardisation (which freezes
 * a constant feature at scale 0), refusing any constant feature by name (and by `source`, the
 * file): a model trained here is exported and used on its own, where a silently frozen feature
 * would only surprise. The site step of the FedAvg family (@fedrad/methods' localTraining) uses
 * it too, so a feature constant in one site's rows is refused by name there; the exact strategies'
 * coordinator step freezes a pooled-constant feature with numeric's standardisation instead.
 */
export function standardization(x: Float64Array, n: number, p: number, weight: Float64Array, featureNames: string[], source?: string): Standardization {
  const s = columnStandardization(x, n, p, weight);
  const constant = constantFeatures(s);
  if (constant.length) throw new ConstantFeatureError(constant.map((j) => featureNames[j]), source);
  return s;
}
