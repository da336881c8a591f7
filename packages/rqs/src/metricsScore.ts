import type { CampaignProvenance, MetricsCondition, MetricsItem, MetricsScore } from '@fedrad/protocol';
import { Attestations } from './attestations.js';
import { DECLARABLE_CLAIMS } from './claims.js';
import { METRICS_CONDITIONS, METRICS_ITEMS } from './metricsItems.js';

/** The METRICS tool's quality bands (METRICS.html v1.0, getScoreCategory). */
export function metricsCategory(score: number): MetricsScore['category'] {
  if (score < 20) return 'Very low';
  if (score < 40) return 'Low';
  if (score < 60) return 'Moderate';
  if (score < 80) return 'Good';
  return 'Excellent';
}

/**
 * Scores METRICS from a campaign provenance: the five conditions first, then every item whose
 * conditions hold (the others are not applicable and leave both sums, Kocak et al. 2024, Table 1
 * footnotes a–e), derived from what ran or declared by attestation (an item nobody attested is
 * "no", the METRICS tool's default). Score = Σ weight(yes) / Σ weight(applicable) × 100, rounded to
 * one decimal as the METRICS tool prints it.
 */
export function scoreMetrics(provenance: CampaignProvenance, options: { computedAt?: string } = {}): MetricsScore {
  const attestations = new Attestations(provenance, DECLARABLE_CLAIMS);
  const conditions: MetricsCondition[] = METRICS_CONDITIONS.map((c) => {
    const r = c.answer(provenance, attestations);
    return {
      condition: c.condition,
      question: c.question,
      answer: r.answer,
      source: r.source,
      evidence: r.evidence,
      ...(r.attestation ? { declaredBy: r.attestation.by, declaredAt: r.attestation.at, declaredIn: r.attestation.in } : {}),
    };
  });
  const holds = new Map(conditions.map((c) => [c.condition, c.answer]));
  let earned = 0;
  let applicable = 0;
  const items: MetricsItem[] = METRICS_ITEMS.map((def) => {
    const base = { item: def.item, category: def.category, name: def.name, weight: def.weight };
    const unmet = def.requires.filter((c) => !holds.get(c));
    if (unmet.length) {
      return { ...base, answer: 'not-applicable', source: 'derived', evidence: `condition ${unmet.join(' and ')} not met: left out of the score` };
    }
    applicable += def.weight;
    if (def.declared) {
      const part = attestations.declared(`metrics-${def.item}`, 1, def.name);
      if (part.points) earned += def.weight;
      const a = part.attestation;
      return { ...base, answer: part.points ? 'yes' : 'no', source: 'declared', evidence: part.evidence, ...(a ? { declaredBy: a.by, declaredAt: a.at, declaredIn: a.in } : {}) };
    }
    const r = def.derive!(provenance);
    if (r.yes) earned += def.weight;
    return { ...base, answer: r.yes ? 'yes' : 'no', source: 'derived', evidence: r.evidence.slice(0, 2000) };
  });
  const score = applicable > 0 ? Math.round((earned / applicable) * 1000) / 10 : 0;
  return {
    type: 'metrics-score',
    campaignId: provenance.campaignId,
    protocolHash: provenance.protocolHash,
    conditions,
    items,
    score,
    category: metricsCategory(score),
    ...(options.computedAt ? { computedAt: options.computedAt } : {}),
  };
}
