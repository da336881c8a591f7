import { canonicalHash, isFedRadError, validate, type CampaignProtocol, type ValidationIssue } from '@fedrad/protocol';
import type { CoreContext } from './context.js';
import { phaseNamed, plan } from './phases/plan.js';
import { unsupportedFields, unverifiedCoefficientsNotice, type ProtocolNotice } from './protocolSupport.js';

export interface Refusal {
  field: string;
  reason: string;
}

/** A step of the plan that cannot run the protocol: its error, naming a field when it did. */
type PhaseRefusal = { field: string | undefined; reason: string; cause: unknown };

/**
 * Why this coordinator would refuse a schema-valid protocol: a step of its plan that cannot run
 * it, the fields protocolSupport.ts refuses, a site both training and testing. createCampaign
 * throws on the first kind found; the console's editor shows them all as the operator types.
 */
export function campaignRefusals(ctx: CoreContext, protocol: CampaignProtocol): { phase?: PhaseRefusal; unsupported: Refusal[]; overlap?: Refusal } {
  let phase: PhaseRefusal | undefined;
  try {
    for (const step of plan(protocol, ctx)) phaseNamed(step).validate?.(protocol);
  } catch (e) {
    phase = { field: isFedRadError(e) ? e.context.field : undefined, reason: (e as Error).message, cause: e };
  }
  const overlapping = protocol.testSites.filter((s) => protocol.trainingSites.includes(s));
  return {
    ...(phase ? { phase } : {}),
    unsupported: unsupportedFields(protocol),
    ...(overlapping.length > 0 ? { overlap: { field: 'testSites', reason: `Sites ${overlapping.join(', ')} are both training and independent test sites; a test site must never train` } } : {}),
  };
}

export interface ProtocolCheck {
  /** Against protocols/campaign-protocol.schema.json. */
  valid: boolean;
  issues: ValidationIssue[];
  /** SHA-256 of the canonical JSON: the hash the campaign would be locked by (null when the document cannot be hashed). */
  protocolHash: string | null;
  /** Every refusal createCampaign would raise for this document (checked only when it is schema-valid). */
  refused: Refusal[];
  /** What the operator should know before locking it (not refusals; protocolSupport.ts). */
  notices: ProtocolNotice[];
}

/** The notices for a schema-valid protocol: create returns them, the editor shows them. */
export function protocolNotices(protocol: CampaignProtocol): ProtocolNotice[] {
  const notice = unverifiedCoefficientsNotice(protocol);
  return notice ? [notice] : [];
}

/** What creating a campaign from this document would do, without creating it (the console's editor). */
export function checkProtocol(ctx: CoreContext, doc: unknown): ProtocolCheck {
  let protocolHash: string | null = null;
  try {
    protocolHash = canonicalHash(doc);
  } catch {
    protocolHash = null;
  }
  const result = validate('campaign-protocol', doc);
  if (!result.valid) return { valid: false, issues: result.issues, protocolHash, refused: [], notices: [] };
  const r = campaignRefusals(ctx, doc as CampaignProtocol);
  return { valid: true, issues: [], protocolHash, refused: [...(r.phase ? [{ field: r.phase.field ?? '', reason: r.phase.reason }] : []), ...r.unsupported, ...(r.overlap ? [r.overlap] : [])], notices: protocolNotices(doc as CampaignProtocol) };
}
