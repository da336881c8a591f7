import { crossValidationCurve } from '@fedrad/numeric';
import { MethodConfigError } from '../errors.js';
import { CrossValidationError } from './tuningErrors.js';

/** What every elastic-net cross-validation (logistic or Cox) refuses in its settings before any exchange. */
export function checkGridSettings(settings: { features: string[]; alpha: number; lambdas?: number[] }): void {
  if (settings.features.length === 0) throw new MethodConfigError('Cross-validation needs at least one feature.', { field: 'features' });
  if (!(settings.alpha >= 0 && settings.alpha <= 1)) throw new MethodConfigError(`alpha must be in [0, 1]; got ${settings.alpha}.`, { field: 'alpha' });
  if (settings.lambdas && (settings.lambdas.length === 0 || settings.lambdas.some((l) => !(l >= 0)))) {
    throw new MethodConfigError('The λ grid must hold one or more non-negative numbers.', { field: 'lambdas' });
  }
}

/** A feature with no spread on a fit's rows has no standardised coefficient: refused, naming it. */
export function refuseConstantFeature(scale: ArrayLike<number>, features: readonly string[], where: string): void {
  const j = Array.from(scale).findIndex((v) => v === 0);
  if (j >= 0) {
    throw new CrossValidationError('CV_CONSTANT_FEATURE', `Feature "${features[j]}" is constant on ${where}; remove it first (fedrad select's near-zero-variance step).`, { field: features[j] });
  }
}

/** The element-wise sum of the sites' tensor `name`, in site-id order (zeros for a site that did not send it). */
export function summedTensor(results: ReadonlyArray<{ siteId: string; update: { tensors: ReadonlyArray<{ name: string; data: ArrayLike<number> }> } }>, name: string, size: number): number[] {
  const out = new Array<number>(size).fill(0);
  for (const r of [...results].sort((a, b) => (a.siteId < b.siteId ? -1 : 1))) {
    const t = r.update.tensors.find((x) => x.name === name);
    if (t) for (let i = 0; i < size; i++) out[i] += t.data[i];
  }
  return out;
}

/** cv.glmnet's curve and choices from the folds' held-out values (numeric's crossValidationCurve). */
export function curveChoices(heldOut: number[][], foldWeights: number[], lambdas: number[], larger: boolean) {
  const curve = crossValidationCurve(heldOut, foldWeights, lambdas, larger);
  return { cvm: curve.cvm, cvsd: curve.cvsd, lambdaMin: lambdas[curve.indexMin], lambda1se: lambdas[curve.index1se] };
}
