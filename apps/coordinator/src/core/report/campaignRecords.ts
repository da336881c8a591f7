import type { Attestation, EvaluationReport, ExtractResult } from '@fedrad/protocol';
import type { CampaignRecord } from '../campaignStore.js';
import type { CoreContext } from '../context.js';
import { harmonizedSiteSummaries } from '../phases/harmonization.js';
import { metaAnalysisOf, type MetaAnalysisRecord } from '../phases/metaAnalysis.js';
import { modelReleaseOf, type ModelRelease } from '../phases/modelRelease.js';
import { stepOutput } from '../stepOutputs.js';

/** The 'reproducibility' step's output (the shared contract; `iccs` and `segmentations` when the step gives them). */
export interface ReproducibilityOutput {
  kept: string[];
  dropped: Array<{ feature: string; icc: number; lower: number }>;
  form: string;
  threshold: number;
  on: 'estimate' | 'lower';
  /** Every feature's ICC, kept ones included, when the step records them. */
  iccs?: Array<{ feature: string; icc: number; lower?: number }>;
  segmentations?: number;
}

/**
 * One site's aggregate summaries of its features before and after harmonisation, as each site
 * answered the step's apply job (kept beside the step's output): counts, means and SDs only.
 */
export interface HarmonizedSiteSummary {
  siteId: string;
  features: Array<{ name: string; n: number; before: { mean: number; sd: number }; after: { mean: number; sd: number } }>;
}

/** The 'harmonization' step's output as the report reads it (the shared contract's `method`, and what else it gives). */
export interface HarmonizationOutput {
  method: string;
  fittedOn?: 'training-sites' | 'all-sites';
  siteSummaries?: HarmonizedSiteSummary[];
}

/** The 'selection' step's output (the shared contract). */
export interface SelectionOutput {
  features: string[];
  steps: unknown[];
}

/** Everything the coordinator stored about a campaign that its report and RQS are made from, read once. */
export interface CampaignRecords {
  campaign: CampaignRecord;
  evaluations: EvaluationReport[];
  extractions: Array<{ siteId: string; result: ExtractResult }>;
  meta?: MetaAnalysisRecord;
  release?: ModelRelease;
  locked?: { modelHash: string; onnxSha256: string | null; features: string[] };
  /** Each training site's patient count in its last update (the model-update's sampleCount). */
  trainingCounts: Map<string, number>;
  reproducibility?: ReproducibilityOutput;
  harmonization?: HarmonizationOutput;
  selection?: SelectionOutput;
  /** What operators attested (claims no software can know), with who and when. */
  attestations: Attestation[];
}

/** Reads a campaign's stored results, extraction QC, model, and the outputs of its steps. */
export function campaignRecords(ctx: CoreContext, campaign: CampaignRecord): CampaignRecords {
  const id = campaign.campaignId;
  const evaluations = (ctx.db.prepare('SELECT site_id, report_json FROM evaluations WHERE campaign_id = ? ORDER BY site_id').all(id) as Array<{ site_id: string; report_json: string }>)
    // Labelled by the site that sent it (authenticated by its certificate), not by the siteId it claims.
    .map((r) => ({ ...(JSON.parse(r.report_json) as EvaluationReport), siteId: r.site_id }));
  const extractions = (ctx.db.prepare('SELECT site_id, result_json FROM extractions WHERE campaign_id = ? ORDER BY site_id').all(id) as Array<{ site_id: string; result_json: string }>).map((r) => ({
    siteId: r.site_id,
    result: JSON.parse(r.result_json) as ExtractResult,
  }));
  const lockedRow = ctx.db.prepare('SELECT model_hash, onnx_sha256, model_json FROM locked_models WHERE campaign_id = ?').get(id) as { model_hash: string; onnx_sha256: string | null; model_json: string } | undefined;
  return {
    campaign,
    evaluations,
    extractions,
    meta: metaAnalysisOf(ctx, id),
    release: modelReleaseOf(ctx, id),
    ...(lockedRow ? { locked: { modelHash: lockedRow.model_hash, onnxSha256: lockedRow.onnx_sha256, features: (JSON.parse(lockedRow.model_json) as { features: string[] }).features } } : {}),
    trainingCounts: trainingCounts(ctx, id),
    reproducibility: stepOutput<ReproducibilityOutput>(ctx, id, 'reproducibility')?.output,
    harmonization: harmonizationOf(ctx, id),
    selection: stepOutput<SelectionOutput>(ctx, id, 'selection')?.output,
    attestations: [...protocolAttestations(campaign), ...attestationsOf(ctx, id)],
  };
}

/** The harmonisation step's output with the summaries each site sent beside it (its apply answer), when the step ran. */
function harmonizationOf(ctx: CoreContext, campaignId: string): HarmonizationOutput | undefined {
  const output = stepOutput<HarmonizationOutput>(ctx, campaignId, 'harmonization')?.output;
  if (!output) return undefined;
  const siteSummaries = harmonizedSiteSummaries(ctx, campaignId);
  return { ...output, ...(siteSummaries.length ? { siteSummaries } : {}) };
}

/**
 * Each training site's patient count: the sampleCount of its update in the last round it answered
 * (what the site itself signed; the coordinator never sees the rows).
 */
export function trainingCounts(ctx: CoreContext, campaignId: string): Map<string, number> {
  // SQLite reads the one field: a masked update's shell also holds its next-round key shares (n − 1 of them).
  const rows = ctx.db
    .prepare("SELECT site_id, json_extract(signed_json, '$.result.sampleCount') AS n FROM results WHERE campaign_id = ? AND kind = 'train-round' AND is_error = 0 ORDER BY round")
    .all(campaignId) as Array<{ site_id: string; n: unknown }>;
  const counts = new Map<string, number>();
  for (const r of rows) {
    if (typeof r.n === 'number' && Number.isInteger(r.n)) counts.set(r.site_id, r.n);
  }
  return counts;
}

/** The campaign's operator attestations, in the provenance's form. */
export function attestationsOf(ctx: CoreContext, campaignId: string): Attestation[] {
  const rows = ctx.db.prepare('SELECT claim, value, attested_by, attested_at, evidence FROM attestations WHERE campaign_id = ? ORDER BY claim').all(campaignId) as Array<{
    claim: string;
    value: number;
    attested_by: string;
    attested_at: string;
    evidence: string | null;
  }>;
  return rows.map((r) => ({ claim: r.claim, value: r.value === 1, by: r.attested_by, at: r.attested_at, in: 'operator' as const, ...(r.evidence ? { evidence: r.evidence } : {}) }));
}

/** The attestations stated in the locked protocol: by whom it says, when the campaign was created. */
export function protocolAttestations(campaign: CampaignRecord): Attestation[] {
  return (campaign.protocol.attestations ?? []).map((a) => ({ claim: a.claim, value: a.value, by: a.by, at: campaign.createdAt, in: 'protocol' as const, ...(a.evidence ? { evidence: a.evidence } : {}) }));
}
