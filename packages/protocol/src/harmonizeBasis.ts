import { canonicalHash } from './canonicalJson.js';
import type { HarmonizeResult } from './generated/types.js';

/**
 * The canonical hash of the moments a site sent in a harmonize job: the coordinator names it in the
 * site's apply job, and the site keeps the hash of what it sent, so it refuses estimates that rest on
 * summaries it did not send (another site's, or invented ones).
 */
export function harmonizeBasisHash(moments: Pick<HarmonizeResult, 'patientCount' | 'featureMean' | 'sumSq'>): string {
  return canonicalHash({ patientCount: moments.patientCount, featureMean: moments.featureMean ?? [], sumSq: moments.sumSq ?? [] });
}
