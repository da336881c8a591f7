import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { pairwiseSeed } from '@fedrad/federation';
import type { PairwiseSeeds } from './maskedSums.js';

/**
 * Pairwise seeds for sites that all live in one process (the local twin): an X25519 key pair per
 * site and federation's pairwiseSeed, exactly what each pair of sites would derive apart.
 */
export function localPairwiseSeeds(sites: readonly string[], campaignId: string): PairwiseSeeds {
  const keys = new Map<string, { publicKey: KeyObject; privateKey: KeyObject }>(sites.map((s) => [s, generateKeyPairSync('x25519')]));
  const seed = (site: string, peer: string, round: number) => pairwiseSeed(keys.get(site)!.privateKey, keys.get(peer)!.publicKey, { campaignId, round });
  return {
    seedsOf: (siteId, peers, round) => new Map(peers.filter((p) => p !== siteId).map((p) => [p, seed(siteId, p, round)])),
    revealed: (survivors, dropped, round) => new Map(survivors.flatMap((s) => dropped.map((d) => [`${s}|${d}`, seed(s, d, round)] as const))),
  };
}
