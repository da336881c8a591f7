import { describe, expect, it } from '@jest/globals';
import { DECLARABLE_CLAIMS, METRICS_ITEMS, RQS_ITEMS } from '@fedrad/rqs';
import { attestationRows, checkDraft, EVIDENCE_MAX, openClaims, type AttestableClaim, type AttestationLike } from '../src/logic/attestations.js';

// The claims as the coordinator lists them (campaigns.attestations): built here from packages/rqs's
// own item tables, not from anything the module under test made.
const claims: AttestableClaim[] = [
  ...RQS_ITEMS.flatMap((i) => i.claims.map((claim) => ({ claim, tool: 'RQS' as const, item: i.item, name: i.name }))),
  ...METRICS_ITEMS.filter((i) => DECLARABLE_CLAIMS.has(`metrics-${i.item}`)).map((i) => ({ claim: `metrics-${i.item}`, tool: 'METRICS' as const, item: i.item, name: i.name })),
];
const at = '2026-12-07T04:00:00.000Z';
const attestations: AttestationLike[] = [
  { claim: 'metrics-1', value: true, by: 'lead', at, in: 'operator', evidence: 'TRIPOD checklist in the supplement' },
  { claim: 'rqs-15', value: false, by: 'protocol author', at, in: 'protocol' },
  { claim: 'rqs-99', value: true, by: 'old', at, in: 'protocol' },
];

describe('attestation form logic', () => {
  it('lists attestations in checklist order, named after their item, with who, where and when; an unknown claim last, by id', () => {
    const rows = attestationRows(claims, attestations);
    expect(rows.map((r) => r.claim)).toEqual(['rqs-15', 'metrics-1', 'rqs-99']);
    expect(rows[0]).toEqual({ claim: 'rqs-15', label: 'RQS 15 — Cost-effectiveness analysis', answer: 'no', by: 'protocol author', at, where: 'protocol', evidence: '' });
    expect(rows[1]).toMatchObject({ label: `METRICS 1 — ${METRICS_ITEMS.find((i) => i.item === 1)!.name}`, answer: 'yes', by: 'lead', where: 'operator', evidence: 'TRIPOD checklist in the supplement' });
    expect(rows[2].label).toBe('rqs-99');
  });

  it('offers only the claims not yet attested (each is attested once)', () => {
    const open = openClaims(claims, attestations);
    expect(open).toHaveLength(claims.length - 2);
    expect(open.map((c) => c.claim)).not.toContain('rqs-15');
    expect(open.map((c) => c.claim)).not.toContain('metrics-1');
    expect(open.map((c) => c.claim)).toContain('rqs-7');
  });

  it('checks a draft field by field before campaigns.attest', () => {
    const open = openClaims(claims, attestations);
    expect(checkDraft({ claim: '', answer: '', evidence: '' }, open)).toEqual({ ok: false, errors: { claim: 'Choose the claim to attest', answer: 'Say whether the study did it' } });
    expect(checkDraft({ claim: 'rqs-15', answer: 'no', evidence: '' }, open)).toEqual({ ok: false, errors: { claim: 'rqs-15 is attested already or cannot be attested' } });
    expect(checkDraft({ claim: 'rqs-7', answer: 'yes', evidence: '   ' }, open)).toMatchObject({ ok: false, errors: { evidence: expect.stringContaining('needs evidence') } });
    expect(checkDraft({ claim: 'rqs-7', answer: 'no', evidence: 'x'.repeat(EVIDENCE_MAX + 1) }, open)).toMatchObject({ ok: false, errors: { evidence: expect.stringContaining('1001 now') } });
    // The coordinator's input: a boolean value, evidence trimmed, left out when empty.
    expect(checkDraft({ claim: 'rqs-7', answer: 'yes', evidence: '  doi:10.1/x ' }, open)).toEqual({ ok: true, input: { claim: 'rqs-7', value: true, evidence: 'doi:10.1/x' } });
    expect(checkDraft({ claim: 'rqs-7', answer: 'no', evidence: '' }, open)).toEqual({ ok: true, input: { claim: 'rqs-7', value: false } });
  });
});
