import type { Attestation } from '@fedrad/protocol';
import { DECLARABLE_CLAIMS, METRICS_CONDITIONS, METRICS_ITEMS, RQS_ITEMS } from '@fedrad/rqs';
import { appendAudit } from '../../store/auditLog.js';
import { CoordinatorError } from '../../errors.js';
import { getCampaign, type CampaignRecord } from '../campaignStore.js';
import { inTransaction, nowIso, type CoreContext } from '../context.js';
import { attestationsOf, protocolAttestations } from './campaignRecords.js';
import { recordStudyReport } from './studyReport.js';

/** What an operator states: an RQS or METRICS claim no software can know, whether the study did it, and where a reader can check. */
export interface AttestationInput {
  claim: string;
  value: boolean;
  evidence?: string;
}

/**
 * Records an operator's attestation of a campaign (who and when, audited), once per claim. Only
 * the claims the scores leave to a person may be attested (DECLARABLE_CLAIMS: a statement never
 * overrules what the campaign recorded). When the campaign's report step has already run, its
 * report is made again so the RQS and METRICS count the attestation.
 */
export function attest(ctx: CoreContext, campaignId: string, input: AttestationInput, actor: string): Attestation[] {
  const campaign = getCampaign(ctx, campaignId);
  if (!DECLARABLE_CLAIMS.has(input.claim)) {
    throw new CoordinatorError('ATTESTATION_NOT_ALLOWED', `"${input.claim}" cannot be attested: it names no RQS/METRICS claim left to a person, or it is derived from what the campaign recorded (a statement never overrules that). Attestable: ${[...DECLARABLE_CLAIMS].sort().join(', ')}`, { campaignId, field: 'claim' });
  }
  return inTransaction(ctx, () => {
    const inProtocol = protocolAttestations(campaign).some((a) => a.claim === input.claim);
    if (inProtocol || ctx.db.prepare('SELECT 1 FROM attestations WHERE campaign_id = ? AND claim = ?').get(campaignId, input.claim)) {
      throw new CoordinatorError('ATTESTATION_EXISTS', `Campaign ${campaignId} already has an attestation of ${input.claim}${inProtocol ? ' in its locked protocol' : ''}; an attestation is recorded once`, { campaignId, field: 'claim' });
    }
    const at = nowIso(ctx);
    ctx.db
      .prepare('INSERT INTO attestations (campaign_id, claim, value, attested_by, attested_at, evidence) VALUES (?, ?, ?, ?, ?, ?)')
      .run(campaignId, input.claim, input.value ? 1 : 0, actor, at, input.evidence ?? null);
    appendAudit(ctx.db, { event: 'campaign.attested', actor, campaignId, details: { claim: input.claim, value: input.value, ...(input.evidence ? { evidence: input.evidence } : {}) } }, at);
    if (ctx.db.prepare('SELECT 1 FROM study_reports WHERE campaign_id = ?').get(campaignId)) recordStudyReport(ctx, campaign);
    return attestationsOf(ctx, campaignId);
  });
}

/** A claim an operator may attest, with the checklist item it answers. */
export interface AttestableClaim {
  claim: string;
  tool: 'RQS' | 'METRICS';
  /** The item's number; absent for a METRICS condition. */
  item?: number;
  name: string;
}

/** Every attestable claim (DECLARABLE_CLAIMS), named after its RQS or METRICS item, in checklist order. */
export function attestableClaims(): AttestableClaim[] {
  const claims: AttestableClaim[] = [
    ...RQS_ITEMS.flatMap((i) => i.claims.map((claim) => {
      const part = claim.split('.')[1];
      return { claim, tool: 'RQS' as const, item: i.item, name: part ? `${i.name}: ${part.replace(/-/g, ' ')}` : i.name };
    })),
    ...METRICS_ITEMS.map((i) => ({ claim: `metrics-${i.item}`, tool: 'METRICS' as const, item: i.item, name: `${i.category}: ${i.name}` })),
    ...METRICS_CONDITIONS.map((c) => ({ claim: `metrics-condition-${c.condition}`, tool: 'METRICS' as const, name: `Condition ${c.condition}: ${c.question}` })),
  ];
  return claims.filter((c) => DECLARABLE_CLAIMS.has(c.claim));
}

/** What the console's attestation form shows: the claims, and every attestation so far (the protocol's and the operators'), with who and when. */
export function campaignAttestations(ctx: CoreContext, campaignId: string): { claims: AttestableClaim[]; attestations: Attestation[] } {
  const campaign: CampaignRecord = getCampaign(ctx, campaignId);
  return { claims: attestableClaims(), attestations: [...protocolAttestations(campaign), ...attestationsOf(ctx, campaignId)] };
}
