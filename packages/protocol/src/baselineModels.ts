import type { CampaignProtocol } from './generated/types.js';

/** The models of a campaign's baseline step (analysisPlan.baseline): covariates alone, or radiomics features and covariates. */
export type BaselineModelName = 'clinical' | 'combined';

/**
 * The most rounds a baseline model trains for: exact Newton steps on a handful of covariates
 * converge in far fewer; R's glm stops at 25 iterations too (glm.control's maxit). Each site
 * refuses a baseline round beyond it.
 */
export const BASELINE_MAX_ROUNDS = 25;

/** The baseline models the protocol asks for, in training order (default both). */
export function baselineModels(protocol: CampaignProtocol): BaselineModelName[] {
  const plan = protocol.analysisPlan?.baseline;
  if (!plan) return [];
  const asked = plan.models ?? ['clinical', 'combined'];
  return (['clinical', 'combined'] as const).filter((m) => asked.includes(m));
}

/** A baseline model's inputs, in its order: the covariates (clinical), or the radiomics model's features then the covariates (combined). */
export function baselineInputs(protocol: CampaignProtocol, model: BaselineModelName, radiomicsFeatures: readonly string[]): string[] {
  const covariates = protocol.analysisPlan?.baseline?.covariates ?? [];
  return model === 'clinical' ? [...covariates] : [...radiomicsFeatures, ...covariates];
}

/**
 * The baseline models' family: for a binary outcome unpenalised logistic regression (R's
 * glm(family = binomial)); for a survival outcome the unpenalised Cox model set up as the
 * campaign's is — its ties, and stratified by site (coxph's strata(site)) unless model.strata says
 * "none", then one baseline hazard in the campaign's time bins — so the three models differ only
 * in their inputs.
 */
function baselineModelSpec(protocol: CampaignProtocol): CampaignProtocol['model'] {
  if (protocol.outcome.type !== 'survival') return { family: 'logistic' };
  const m = protocol.model;
  return {
    family: 'cox',
    ...(m.ties !== undefined ? { ties: m.ties } : {}),
    ...(m.strata !== undefined ? { strata: m.strata } : {}),
    ...(m.timeGridDays !== undefined ? { timeGridDays: [...m.timeGridDays] } : {}),
  };
}

/**
 * The protocol a baseline model is trained and checked with, by the coordinator and by each site
 * alike: the campaign's, with the model's inputs as features, the unpenalised model of
 * baselineModelSpec (logistic, or Cox for a survival outcome) and exact Newton steps over every
 * training site (the pooled fit exactly), at most BASELINE_MAX_ROUNDS rounds. Selection and tuning
 * made the radiomics model's features and penalty; they do not apply to these models again.
 */
export function baselineProtocol(protocol: CampaignProtocol, model: BaselineModelName, radiomicsFeatures: readonly string[]): CampaignProtocol {
  const { selection: _selection, tuning: _tuning, reproducibility: _reproducibility, ...rest } = protocol;
  const t = protocol.training;
  return {
    ...rest,
    features: baselineInputs(protocol, model, radiomicsFeatures),
    model: baselineModelSpec(protocol),
    training: {
      strategy: 'exact-newton',
      rounds: BASELINE_MAX_ROUNDS,
      ...(t.roundDeadlineSeconds !== undefined ? { roundDeadlineSeconds: t.roundDeadlineSeconds } : {}),
      ...(t.maxAttempts !== undefined ? { maxAttempts: t.maxAttempts } : {}),
      ...(t.seed !== undefined ? { seed: t.seed } : {}),
    },
  };
}

/**
 * The envelope round of a baseline model's round: the combined model's rounds follow the clinical
 * model's range (offset BASELINE_MAX_ROUNDS), so the two models' rounds, which run side by side,
 * never share a (round, site) and each names one result.
 */
export function baselineJobRound(model: BaselineModelName, round: number): number {
  return (model === 'clinical' ? 0 : BASELINE_MAX_ROUNDS) + round;
}
