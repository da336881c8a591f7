import type { MetricsScore, RqsChecklist } from '@fedrad/protocol';

/** RQS total range (Lambin et al., Nat Rev Clin Oncol 2017;14:749, Table 1): −8..36. */
export const RQS_MAX = 36;

export interface ChecklistRow {
  item: number;
  name: string;
  /** RQS: points (and the item's range); METRICS: answer and weight. */
  score: string;
  source: 'derived' | 'declared';
  evidence: string;
  /** Declared answers: who stated it, where and when. */
  declared: string;
}

function declaredBy(x: { source: string; declaredBy?: string; declaredIn?: string; declaredAt?: string }): string {
  if (x.source !== 'declared') return '';
  return [x.declaredBy, x.declaredIn ? `in the ${x.declaredIn}` : '', x.declaredAt ? `at ${x.declaredAt}` : ''].filter(Boolean).join(' ');
}

export interface RqsSummary {
  total: number;
  derivedTotal: number;
  declaredTotal: number;
  /** max(0, total) / 36 × 100, as the checklist's schema defines it, one decimal. */
  percentage: number;
}

export function rqsSummary(rqs: RqsChecklist): RqsSummary {
  // The scorer records the percentage; an older checklist without it gets the schema's formula.
  const percentage = rqs.percentage ?? (Math.max(0, rqs.total) / RQS_MAX) * 100;
  return { total: rqs.total, derivedTotal: rqs.derivedTotal, declaredTotal: rqs.declaredTotal, percentage: Math.round(percentage * 10) / 10 };
}

export function rqsRows(rqs: RqsChecklist): ChecklistRow[] {
  return [...rqs.items]
    .sort((a, b) => a.item - b.item)
    .map((i) => ({
      item: i.item,
      name: i.name ?? `Item ${i.item}`,
      score: i.minPoints !== undefined && i.maxPoints !== undefined ? `${i.points} (${i.minPoints}..${i.maxPoints})` : String(i.points),
      source: i.source,
      evidence: i.evidence ?? '',
      declared: declaredBy(i),
    }));
}

export function metricsRows(metrics: MetricsScore): ChecklistRow[] {
  return [...metrics.items]
    .sort((a, b) => a.item - b.item)
    .map((i) => ({
      item: i.item,
      name: `${i.category}: ${i.name}`,
      score: `${i.answer} (weight ${i.weight})`,
      source: i.source,
      evidence: i.evidence,
      declared: declaredBy(i),
    }));
}

/** Σ weight over the items that count (answer not 'not-applicable') and over those answered yes. */
export function metricsWeights(metrics: MetricsScore): { yes: number; applicable: number } {
  let yes = 0;
  let applicable = 0;
  for (const i of metrics.items) {
    if (i.answer === 'not-applicable') continue;
    applicable += i.weight;
    if (i.answer === 'yes') yes += i.weight;
  }
  return { yes, applicable };
}
