import { readFileSync } from 'node:fs';
import type { CampaignProvenance } from '@fedrad/protocol';

/** The full campaign of protocols/examples/campaign-provenance/valid-full.json: every step ran, every declarable claim attested. */
export function fullCampaign(): CampaignProvenance {
  return JSON.parse(readFileSync(new URL('../../../protocols/examples/campaign-provenance/valid-full.json', import.meta.url), 'utf8')) as CampaignProvenance;
}

/** The full campaign changed by `edit` (a copy). */
export function campaign(edit: (p: CampaignProvenance) => void = () => {}): CampaignProvenance {
  const p = fullCampaign();
  edit(p);
  return p;
}

/** Drops the attestation of `claim`. */
export const unattest = (claim: string) => (p: CampaignProvenance) => {
  p.attestations = (p.attestations ?? []).filter((a) => a.claim !== claim);
};
