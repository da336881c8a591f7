import { gaussianRdpEpsilon } from '@fedrad/federation';
import type { CampaignProtocol, ModelCardDifferentialPrivacy } from '@fedrad/protocol';

/** The ε spent after `rounds` noised rounds, for the protocol's δ; in each round's summary. */
export interface PrivacySpent {
  epsilon: number;
  delta: number;
  rounds: number;
}

/**
 * The protocol's central DP after `rounds` rounds, or undefined without training.differentialPrivacy.
 * One site's clipped update moves the sum by at most clipNorm and the noise is N(0, (σ · clipNorm)²),
 * so each round is the Gaussian mechanism with noise multiplier σ (McMahan et al. 2018, §3): site-level
 * privacy, which covers every patient of a site at once. Dividing by the number of sites is
 * post-processing: the sites are the protocol's, public.
 */
export function privacySpent(protocol: CampaignProtocol, rounds: number): PrivacySpent | undefined {
  const dp = protocol.training.differentialPrivacy;
  if (!dp) return undefined;
  return { epsilon: gaussianRdpEpsilon(dp.noiseMultiplier, rounds, dp.delta).epsilon, delta: dp.delta, rounds };
}

/** The model card's entry: the settings and the ε after every round run (all their parameters went out to the sites). */
export function cardPrivacy(protocol: CampaignProtocol, roundsRun: number): ModelCardDifferentialPrivacy | undefined {
  const dp = protocol.training.differentialPrivacy;
  const spent = privacySpent(protocol, roundsRun);
  if (!dp || !spent || protocol.training.clipNorm === undefined) return undefined;
  return {
    clipNorm: protocol.training.clipNorm,
    noiseMultiplier: dp.noiseMultiplier,
    delta: dp.delta,
    epsilon: spent.epsilon,
    rounds: roundsRun,
    seeded: dp.seed !== undefined,
    accountant: "Rényi DP of the Gaussian mechanism, α/(2σ²) per round, composed over the rounds and converted to (ε, δ) at the best α (Mironov 2017); site-level: one site's whole update",
  };
}
