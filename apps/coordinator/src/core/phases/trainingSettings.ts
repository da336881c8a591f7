import type { CampaignProtocol } from '@fedrad/protocol';

/** The protocol's training block with the coordinator's defaults filled in (SITE_CHANNEL.md §4). */
export function trainingSettings(protocol: CampaignProtocol) {
  const t = protocol.training;
  const n = protocol.trainingSites.length;
  return {
    rounds: t.rounds,
    // Default quorum is every training site: the round then never depends on timing.
    quorum: Math.min(t.quorum ?? n, n),
    deadlineSeconds: t.roundDeadlineSeconds ?? 60,
    maxAttempts: t.maxAttempts ?? 3,
  };
}
