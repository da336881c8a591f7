import type { CampaignProtocol } from './generated/types.js';

/**
 * A campaign's survival horizons (days), in the protocol's order: `outcome.horizonDays` may be one
 * number or a list (the first is the primary horizon); none for a binary outcome or without it.
 * The one reading every consumer shares (training, the lock's export, the model card, evaluation).
 */
export function outcomeHorizons(outcome: CampaignProtocol['outcome']): number[] {
  if (outcome.type !== 'survival' || outcome.horizonDays === undefined) return [];
  return typeof outcome.horizonDays === 'number' ? [outcome.horizonDays] : [...outcome.horizonDays];
}
