import { secureThreshold } from '@fedrad/methods';
import type { CampaignProtocol } from '@fedrad/protocol';

/** The protocol's training block with the coordinator's defaults filled in (SITE_CHANNEL.md §4). */
export function trainingSettings(protocol: CampaignProtocol) {
  const t = protocol.training;
  const n = protocol.trainingSites.length;
  return {
    rounds: t.rounds,
    // Default quorum is every training site: the round then never depends on timing. Under secure
    // aggregation a stage goes on once its deadline passed with the Shamir threshold of answers
    // (secureRound.ts): the sites that dropped out are what the threshold is there for.
    quorum: Math.min(t.quorum ?? (t.secureAggregation ? secureThreshold(protocol) : n), n),
    deadlineSeconds: t.roundDeadlineSeconds ?? 60,
    maxAttempts: t.maxAttempts ?? 3,
  };
}
