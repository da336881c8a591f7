/** A claim an operator may attest (campaigns.attestations), with the checklist item it answers. */
export interface AttestableClaim {
  claim: string;
  tool: 'RQS' | 'METRICS';
  item?: number;
  name: string;
}

/** An attestation as the campaign's provenance holds it: stated in the locked protocol or by an operator. */
export interface AttestationLike {
  claim: string;
  value: boolean;
  by: string;
  at: string;
  in: 'protocol' | 'operator';
  evidence?: string;
}

export interface AttestationRow {
  claim: string;
  /** "RQS 15 — Cost-effectiveness analysis"; an unknown claim (a protocol's from an older scorer) by its id. */
  label: string;
  answer: 'yes' | 'no';
  by: string;
  at: string;
  where: 'protocol' | 'operator';
  evidence: string;
}

export const claimLabel = (c: AttestableClaim): string => `${c.tool}${c.item !== undefined ? ` ${c.item}` : ''} — ${c.name}`;

/** The attestations in checklist order (the order of `claims`), each named after its item. */
export function attestationRows(claims: readonly AttestableClaim[], attestations: readonly AttestationLike[]): AttestationRow[] {
  const index = new Map(claims.map((c, i) => [c.claim, i]));
  return [...attestations]
    .sort((a, b) => (index.get(a.claim) ?? Infinity) - (index.get(b.claim) ?? Infinity) || a.claim.localeCompare(b.claim))
    .map((a) => {
      const c = claims.find((x) => x.claim === a.claim);
      return { claim: a.claim, label: c ? claimLabel(c) : a.claim, answer: a.value ? 'yes' : 'no', by: a.by, at: a.at, where: a.in, evidence: a.evidence ?? '' };
    });
}

/** The claims still open: each claim is attested once (the coordinator refuses a second, ATTESTATION_EXISTS). */
export function openClaims(claims: readonly AttestableClaim[], attestations: readonly AttestationLike[]): AttestableClaim[] {
  const done = new Set(attestations.map((a) => a.claim));
  return claims.filter((c) => !done.has(c.claim));
}

export interface AttestationDraft {
  claim: string;
  answer: 'yes' | 'no' | '';
  evidence: string;
}

/** The bound campaigns.attest puts on evidence. */
export const EVIDENCE_MAX = 1000;

export type DraftCheck =
  | { ok: true; input: { claim: string; value: boolean; evidence?: string } }
  | { ok: false; errors: Partial<Record<keyof AttestationDraft, string>> };

/**
 * The form's own checks before campaigns.attest: an open claim, an answer, and for a "yes" the
 * evidence a reader can check (a DOI, a registry entry, a URL), within the coordinator's bound.
 */
export function checkDraft(draft: AttestationDraft, open: readonly AttestableClaim[]): DraftCheck {
  const errors: Partial<Record<keyof AttestationDraft, string>> = {};
  const evidence = draft.evidence.trim();
  if (!draft.claim) errors.claim = 'Choose the claim to attest';
  else if (!open.some((c) => c.claim === draft.claim)) errors.claim = `${draft.claim} is attested already or cannot be attested`;
  if (draft.answer === '') errors.answer = 'Say whether the study did it';
  if (draft.answer === 'yes' && !evidence) errors.evidence = 'A "yes" needs evidence a reader can check (DOI, registry entry, URL)';
  if (evidence.length > EVIDENCE_MAX) errors.evidence = `Evidence is limited to ${EVIDENCE_MAX} characters (${evidence.length} now)`;
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, input: { claim: draft.claim, value: draft.answer === 'yes', ...(evidence ? { evidence } : {}) } };
}
