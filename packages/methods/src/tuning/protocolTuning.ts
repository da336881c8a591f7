import type { CampaignProtocol } from '@fedrad/protocol';
import { MethodConfigError } from '../errors.js';
import type { CrossValidationSettings } from './crossValidationMethod.js';

/**
 * The cross-validation a campaign's tuning step runs at one α, from the protocol's `tuning`
 * section — the same settings `fedrad tune` builds from its flags, so the campaign and the local
 * twin compute the same curve.
 */
export function protocolTuningSettings(protocol: CampaignProtocol, features: string[], alpha: number): CrossValidationSettings {
  const t = protocol.tuning;
  if (!t) throw new MethodConfigError('The protocol has no tuning section.', { field: 'tuning' });
  return {
    features,
    alpha,
    ...(t.lambdas ? { lambdas: t.lambdas } : { nlambda: t.nlambda ?? 100, ...(t.lambdaMinRatio !== undefined ? { lambdaMinRatio: t.lambdaMinRatio } : {}) }),
    folds: t.cv === 'leave-one-site-out' ? { scheme: 'leave-one-site-out' } : { scheme: 'kfold', count: t.folds ?? 10, seed: t.seed ?? 1 },
    measure: t.measure ?? 'deviance',
    minCohortSize: protocol.minCohortSize,
  };
}
