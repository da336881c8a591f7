import type { Attestation, CampaignProvenance } from '@fedrad/protocol';
import { AttestationNotAllowedError, DuplicateAttestationError } from './errors.js';

/** One scored part of an item: its points and where they come from. */
export interface ScoredPart {
  points: number;
  source: 'derived' | 'declared';
  evidence: string;
  attestation?: Attestation;
}

/**
 * The attestations of a provenance by claim. Only claims the tools leave to a person may be
 * attested (`declarable`): an attestation of a derived claim would let a statement overrule what
 * the campaign recorded, so it is refused, as is a claim given twice.
 */
export class Attestations {
  private readonly byClaim = new Map<string, Attestation>();

  constructor(provenance: CampaignProvenance, declarable: ReadonlySet<string>) {
    for (const a of provenance.attestations ?? []) {
      if (!declarable.has(a.claim)) {
        throw new AttestationNotAllowedError(a.claim, 'this claim is derived from what the campaign recorded (or names no RQS/METRICS claim); it cannot be attested');
      }
      if (this.byClaim.has(a.claim)) throw new DuplicateAttestationError(a.claim);
      this.byClaim.set(a.claim, a);
    }
  }

  /** The part a declaration earns: `points` when attested true, 0 (with why) otherwise. */
  declared(claim: string, points: number, what: string): ScoredPart {
    const a = this.byClaim.get(claim);
    if (!a) return { points: 0, source: 'declared', evidence: `${what}: not attested (${claim}), so not counted` };
    const by = `${a.by}, ${a.in === 'protocol' ? 'in the protocol' : 'as operator'}, ${a.at}${a.evidence ? `; ${a.evidence}` : ''}`;
    return a.value
      ? { points, source: 'declared', evidence: `${what}: attested by ${by}`, attestation: a }
      : { points: 0, source: 'declared', evidence: `${what}: attested as not done by ${by}`, attestation: a };
  }

  /** The attestation of a claim, if any. */
  get(claim: string): Attestation | undefined {
    return this.byClaim.get(claim);
  }
}

/** Distinct institutions of the sites with the given role. */
export function institutions(p: CampaignProvenance, role: 'training' | 'test'): Set<string> {
  return new Set(p.sites.filter((s) => s.role === role).map((s) => s.institution));
}
