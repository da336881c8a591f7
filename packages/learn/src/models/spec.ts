import type { ModelSpec } from '@fedrad/protocol';
import { ModelSpecError } from '../errors.js';

/** What to train: the campaign protocol's ModelSpec (protocols/campaign-protocol.schema.json). */
export type { ModelSpec };
export type ModelFamily = ModelSpec['family'];

/**
 * A ModelSpec with every default filled in (ties: for cox only). A federated Cox model's strata and
 * time grid say how the sites' sums are formed (@fedrad/methods), not how a table is fitted: the card
 * carries them as its survival block, not in the spec.
 */
export type ResolvedSpec = Required<Omit<ModelSpec, 'ties' | 'strata' | 'timeGridDays'>> & Pick<ModelSpec, 'ties'>;

/** Fills in defaults and refuses inconsistent hyper-parameters. */
export function resolveSpec(spec: ModelSpec): ResolvedSpec {
  const families: ModelFamily[] = ['logistic', 'lasso-logistic', 'elasticnet-logistic', 'cox', 'mlp'];
  if (!families.includes(spec.family)) throw new ModelSpecError(`unknown model family "${spec.family}"; expected one of ${families.join(', ')}`);
  const alpha = spec.alpha ?? (spec.family === 'lasso-logistic' ? 1 : spec.family === 'elasticnet-logistic' ? 0.5 : 0);
  if (spec.family === 'lasso-logistic' && alpha !== 1) throw new ModelSpecError('lasso-logistic has alpha = 1; use elasticnet-logistic for another alpha');
  if (!(alpha >= 0 && alpha <= 1)) throw new ModelSpecError(`alpha must be in [0, 1], got ${alpha}`);
  const lambda = spec.lambda ?? (spec.family === 'lasso-logistic' || spec.family === 'elasticnet-logistic' ? 0.01 : spec.family === 'mlp' ? 1e-4 : 0);
  if (!(lambda >= 0)) throw new ModelSpecError(`lambda must be >= 0, got ${lambda}`);
  if (spec.ties !== undefined && spec.family !== 'cox') throw new ModelSpecError(`ties applies to the cox family only, not ${spec.family}`);
  const hiddenLayers = spec.hiddenLayers ?? [16];
  if (spec.family === 'mlp' && (!hiddenLayers.length || hiddenLayers.some((h) => !Number.isInteger(h) || h < 1)))
    throw new ModelSpecError(`hiddenLayers must be positive integers, got [${hiddenLayers}]`);
  return {
    family: spec.family,
    alpha,
    lambda,
    hiddenLayers: spec.family === 'mlp' ? hiddenLayers : [],
    activation: spec.activation ?? 'relu',
    standardize: spec.standardize ?? true,
    classWeights: spec.classWeights ?? 'none',
    ...(spec.family === 'cox' ? { ties: spec.ties ?? 'breslow' } : {}),
  };
}

export const outcomeKind = (family: ModelFamily): 'binary' | 'survival' => (family === 'cox' ? 'survival' : 'binary');
