import type { CampaignProtocol } from './generated/types.js';

/** Newton steps the tuning step allows at one λ (@fedrad/methods' cross-validation default). */
export const TUNING_MAX_ITERATIONS = 200;

/** What the selection and tuning steps of a campaign decided: the model's features, and its λ and α. */
export interface StepSettings {
  features?: string[];
  lambda?: number;
  alpha?: number;
}

/**
 * The protocol a campaign trains, locks and evaluates with once its selection and tuning steps
 * ran: the protocol's features replaced by the selection's, its model's λ and α by the tuning's.
 * The coordinator builds its training method from it, and a site checks a training job against
 * the same document after checking the job's features and penalty are ones those steps could
 * have chosen (apps/site-node's protocolConformance).
 */
export function withStepSettings(protocol: CampaignProtocol, settings: StepSettings): CampaignProtocol {
  if (settings.features === undefined && settings.lambda === undefined && settings.alpha === undefined) return protocol;
  return {
    ...protocol,
    ...(settings.features !== undefined ? { features: settings.features } : {}),
    model: { ...protocol.model, ...(settings.lambda !== undefined ? { lambda: settings.lambda } : {}), ...(settings.alpha !== undefined ? { alpha: settings.alpha } : {}) },
  };
}

/** The α values the protocol's tuning step tries: tuning.alphas, else model.alpha, else 0.5 for elasticnet-logistic and 1 (glmnet's lasso) for lasso-logistic and cox, as fedrad tune. */
export function tuningAlphas(protocol: CampaignProtocol): number[] {
  return protocol.tuning?.alphas ?? [protocol.model.alpha ?? (protocol.model.family === 'elasticnet-logistic' ? 0.5 : 1)];
}

/**
 * The most tune-round exchanges a site answers: the selection step's LASSO path's, then the tuning step's: per α, the grid step, at most
 * TUNING_MAX_ITERATIONS Newton steps per λ, and the last λ's held-out scores. A site refuses a
 * tune-round job numbered beyond it (and any out of order), as it does training rounds.
 */
export function plannedTuneRounds(protocol: CampaignProtocol): number {
  const t = protocol.tuning;
  const lambdas = t?.lambdas?.length ?? t?.nlambda ?? 100;
  return plannedLassoRounds(protocol) + (t ? tuningAlphas(protocol).length * (2 + lambdas * TUNING_MAX_ITERATIONS) : 0);
}

/**
 * Newton steps the selection step's LASSO path allows at one λ by default (selection.lasso.maxIterations):
 * warm-started proximal Newton steps converge in a handful (at most 6 per λ on glm-sites.json's paths, 1e-10 tolerance).
 */
export const LASSO_MAX_ITERATIONS = 25;

/** The λ values of the LASSO path for maxFeatures: glmnet's grid of 100 from the pooled λ_max. */
export const LASSO_PATH_LAMBDAS = 100;

/** The Newton steps the protocol's LASSO path allows at one λ (selection.lasso.maxIterations, default LASSO_MAX_ITERATIONS). */
export function lassoMaxIterations(protocol: CampaignProtocol): number {
  return protocol.selection?.lasso?.maxIterations ?? LASSO_MAX_ITERATIONS;
}

/**
 * The most tune-round exchanges the selection step's LASSO path (selection.lasso) sends a site,
 * numbered from 0 before the tuning step's: the grid step, at most maxIterations Newton steps at
 * each λ of the path (its one λ, or glmnet's LASSO_PATH_LAMBDAS for maxFeatures) and a last step.
 */
export function plannedLassoRounds(protocol: CampaignProtocol): number {
  const lasso = protocol.selection?.lasso;
  if (!lasso) return 0;
  return 2 + (lasso.lambda !== undefined ? 1 : LASSO_PATH_LAMBDAS) * lassoMaxIterations(protocol);
}
