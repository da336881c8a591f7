import type { CampaignProvenance, RqsChecklist, RqsItem } from '@fedrad/protocol';
import { Attestations } from './attestations.js';
import { DECLARABLE_CLAIMS } from './claims.js';
import { RQS_ITEMS } from './rqsItems.js';

/** Highest RQS total (Lambin et al. 2017, Table 1). */
export const RQS_MAX = 36;

/**
 * Scores the 16 RQS items from a campaign provenance. Each item's points are the sum of its
 * parts; a part is derived (from a recorded step, its evidence naming it) or declared (an
 * attestation, with who, where and when); `derivedTotal` and `declaredTotal` keep the two apart.
 * An item is marked declared when a declaration earned any of its points. Percentage:
 * max(0, total) / 36 × 100, since a negative total has no place on a percentage scale.
 */
export function scoreRqs(provenance: CampaignProvenance, options: { computedAt?: string } = {}): RqsChecklist {
  const attestations = new Attestations(provenance, DECLARABLE_CLAIMS);
  let derivedTotal = 0;
  let declaredTotal = 0;
  const items: RqsItem[] = RQS_ITEMS.map((def) => {
    const parts = def.score(provenance, attestations);
    const points = parts.reduce((s, p) => s + p.points, 0);
    const fromDeclaration = parts.filter((p) => p.source === 'declared' && p.points !== 0);
    derivedTotal += parts.filter((p) => p.source === 'derived').reduce((s, p) => s + p.points, 0);
    declaredTotal += fromDeclaration.reduce((s, p) => s + p.points, 0);
    const a = fromDeclaration[0]?.attestation;
    return {
      item: def.item,
      name: def.name,
      points,
      minPoints: def.minPoints,
      maxPoints: def.maxPoints,
      source: fromDeclaration.length ? 'declared' : 'derived',
      evidence: parts.map((p) => p.evidence).join('; ').slice(0, 2000),
      ...(a ? { declaredBy: a.by, declaredAt: a.at, declaredIn: a.in } : {}),
    };
  });
  const total = derivedTotal + declaredTotal;
  return {
    type: 'rqs-checklist',
    campaignId: provenance.campaignId,
    protocolHash: provenance.protocolHash,
    items,
    total,
    derivedTotal,
    declaredTotal,
    percentage: (Math.max(0, total) / RQS_MAX) * 100,
    ...(options.computedAt ? { computedAt: options.computedAt } : {}),
  };
}
