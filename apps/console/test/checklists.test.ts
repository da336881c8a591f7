import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import type { MetricsScore, RqsChecklist } from '@fedrad/protocol';
import { metricsRows, metricsWeights, rqsRows, rqsSummary } from '../src/logic/checklists.js';

// The schema examples of protocols/ (the documents packages/rqs writes), not anything this module made.
const example = <T>(path: string): T => JSON.parse(readFileSync(new URL(`../../../protocols/examples/${path}`, import.meta.url), 'utf8')) as T;
const rqs = example<RqsChecklist>('rqs-checklist/valid-1.json');
const metrics = example<MetricsScore>('metrics-score/valid-full-campaign.json');

describe('RQS checklist rows', () => {
  it('one row per item in item order, whose points add up to the recorded total', () => {
    const rows = rqsRows(rqs);
    expect(rows.map((r) => r.item)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(rows.reduce((s, r) => s + Number.parseInt(r.score, 10), 0)).toBe(rqs.total);
  });
  it('the summary keeps the recorded total and percentage, and falls back to max(0, total)/36 × 100 (Lambin 2017, Table 1)', () => {
    expect(rqsSummary(rqs)).toEqual({ total: 1, derivedTotal: 1, declaredTotal: 0, percentage: 2.8 });
    const { percentage: _, ...unscored } = rqs;
    expect(rqsSummary({ ...unscored, total: 9 }).percentage).toBe(25);
    expect(rqsSummary({ ...unscored, total: -3 }).percentage).toBe(0);
  });
  it('a declared item says who stated it, where and when; its range is shown', () => {
    const items = rqs.items.map((i) => (i.item === 16 ? { ...i, points: 2, minPoints: 0, maxPoints: 2, source: 'declared' as const, declaredBy: 'lead', declaredIn: 'operator' as const, declaredAt: '2026-12-01T00:00:00Z', evidence: 'open data' } : i));
    const row = rqsRows({ ...rqs, items }).find((r) => r.item === 16)!;
    expect(row).toMatchObject({ score: '2 (0..2)', source: 'declared', evidence: 'open data', declared: 'lead in the operator at 2026-12-01T00:00:00Z' });
  });
});

describe('METRICS rows', () => {
  it('one row per item (30) with its category, answer, weight and evidence', () => {
    const rows = metricsRows(metrics);
    expect(rows).toHaveLength(30);
    expect(rows[0]).toMatchObject({ item: 1, name: `Study design: ${metrics.items[0]!.name}`, score: `yes (weight ${metrics.items[0]!.weight})`, evidence: metrics.items[0]!.evidence });
    expect(rows[0]!.declared).toBe('study lead (Dr A. Martin) in the protocol at 2026-11-01T09:00:00Z');
  });
  it('the weights shown give the recorded score: Σ weight(yes) / Σ weight(applicable) × 100 (Kocak 2024)', () => {
    const w = metricsWeights(metrics);
    expect(Math.round((w.yes / w.applicable) * 1000) / 10).toBe(metrics.score);
    // An item answered no, and one not applicable, move the score the way the METRICS tool does.
    const items = metrics.items.map((i) => (i.item === 1 ? { ...i, answer: 'no' as const } : i.item === 2 ? { ...i, answer: 'not-applicable' as const } : i));
    const v = metricsWeights({ ...metrics, items });
    expect(v.applicable).toBeCloseTo(w.applicable - metrics.items[1]!.weight, 12);
    expect(v.yes).toBeCloseTo(w.yes - metrics.items[0]!.weight - metrics.items[1]!.weight, 12);
  });
});
