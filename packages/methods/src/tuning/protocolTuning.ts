import { lambdaGrid } from '@fedrad/numeric';
import type { CampaignProtocol } from '@fedrad/protocol';
import { MethodConfigError } from '../errors.js';
import type { CoxCrossValidationSettings } from './coxCrossValidationMethod.js';
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
    ...gridOf(t),
    folds: t.cv === 'leave-one-site-out' ? { scheme: 'leave-one-site-out' } : { scheme: 'kfold', count: t.folds ?? 10, seed: t.seed ?? 1 },
    measure: (t.measure ?? 'deviance') as CrossValidationSettings['measure'],
    minCohortSize: protocol.minCohortSize,
  };
}

/**
 * Why a Cox protocol's tuning step cannot run, or undefined: the federated Cox cross-validation is
 * glmnet's (cv.glmnet family "cox"), stratified by site with Breslow's ties, one site per fold or
 * K folds within sites (scored by the deviance: cv.glmnet's C for a fold spread over sites ranks
 * pairs across them), on standardised features — a protocol that trains another Cox model would
 * tune one model and fit another, so it is refused, naming the field.
 */
export function coxTuningRefusal(protocol: CampaignProtocol): string | undefined {
  const t = protocol.tuning;
  if (!t || protocol.model.family !== 'cox') return undefined;
  if (t.cv === 'kfold' && t.measure === 'C') return "tuning.measure C with tuning.cv kfold: cv.glmnet's C-index ranks a held-out fold's pairs across sites (ignoring the strata), which needs patient-level scores from several sites; use the deviance, or leave-one-site-out";
  if (t.measure === 'auc') return 'tuning.measure auc: a Cox model is tuned by C (Harrell\'s C-index) or the partial-likelihood deviance';
  if ((protocol.model.ties ?? 'breslow') !== 'breslow') return `model.ties ${protocol.model.ties}: Cox tuning is glmnet's Cox, with Breslow's ties; training with Efron's would fit another model than the one tuned`;
  if ((protocol.model.strata ?? 'site') !== 'site') return `model.strata ${protocol.model.strata}: Cox tuning stratifies by site (each held-out site its own stratum); a pooled baseline hazard would fit another model than the one tuned`;
  if (protocol.model.standardize === false) return "model.standardize false: the Cox tuning penalises standardised coefficients (glmnet's default); training unstandardised would fit another model than the one tuned";
  return undefined;
}

/** The Cox cross-validation a campaign's tuning step runs at one α (as `fedrad tune --model cox --sites`); refuses what coxTuningRefusal names. */
export function protocolCoxTuningSettings(protocol: CampaignProtocol, features: string[], alpha: number): CoxCrossValidationSettings {
  const t = protocol.tuning;
  if (!t) throw new MethodConfigError('The protocol has no tuning section.', { field: 'tuning' });
  const refusal = coxTuningRefusal(protocol);
  if (refusal) throw new MethodConfigError(`The tuning step cannot cross-validate this Cox model: ${refusal}.`, { field: 'tuning' });
  return {
    features, alpha, ...gridOf(t),
    ...(t.cv === 'kfold' ? { folds: { scheme: 'kfold' as const, count: t.folds ?? 10, seed: t.seed ?? 1 } } : {}),
    measure: t.measure === 'C' ? 'C' : 'deviance', minCohortSize: protocol.minCohortSize,
  };
}

/**
 * Why a λ grid a tuning exchange names is not one the protocol's tuning step makes, or undefined:
 * the protocol's tuning.lambdas sorted decreasing, or glmnet's grid of tuning.nlambda values from
 * its first (λ_max, which comes from the pooled data) down to tuning.lambdaMinRatio · λ_max — the
 * ratio glmnet defaults to (1e-4, or 0.01 with fewer patients than features) when the protocol
 * gives none — recomputed here bit for bit (numeric's lambdaGrid, as the cross-validation does).
 */
export function tuningGridDeviation(protocol: CampaignProtocol, lambdas: readonly number[] | undefined): string | undefined {
  const t = protocol.tuning;
  if (!t) return 'the protocol has no tuning step';
  const sent = JSON.stringify(lambdas ?? null);
  if (t.lambdas) {
    const approved = [...t.lambdas].sort((a, b) => b - a);
    return sent === JSON.stringify(approved) ? undefined : `the λ grid ${sent} is not the protocol's tuning.lambdas ${JSON.stringify(approved)}`;
  }
  const count = t.nlambda ?? 100;
  const ratios = t.lambdaMinRatio !== undefined ? [t.lambdaMinRatio] : [1e-4, 0.01];
  const first = lambdas?.[0];
  const fits = first !== undefined && first > 0 && ratios.some((r) => sent === JSON.stringify(lambdaGrid(first, count, r)));
  return fits ? undefined : `the λ grid ${sent} is not glmnet's grid of the protocol's ${count} values from λ_max down to ${t.lambdaMinRatio ?? "glmnet's default ratio (1e-4 or 0.01)"} · λ_max`;
}

function gridOf(t: NonNullable<CampaignProtocol['tuning']>): Pick<CrossValidationSettings, 'lambdas' | 'nlambda' | 'lambdaMinRatio'> {
  return t.lambdas ? { lambdas: t.lambdas } : { nlambda: t.nlambda ?? 100, ...(t.lambdaMinRatio !== undefined ? { lambdaMinRatio: t.lambdaMinRatio } : {}) };
}
