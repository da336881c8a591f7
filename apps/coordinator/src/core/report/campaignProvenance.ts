import { assertValid, type AcquisitionSummary, type CampaignProvenance, type ExtractResult } from '@fedrad/protocol';
import { featureConfigHashOf } from '../phases/extraction.js';
import type { CampaignRecords } from './campaignRecords.js';
import { isIbsiFeature } from './ibsiCodes.js';

/**
 * The campaign provenance (protocols/campaign-provenance.schema.json) the RQS and METRICS are
 * scored from, built only from what the coordinator recorded: the protocol, each site's extraction
 * QC, the outputs of the reproducibility, harmonisation and selection steps, the locked and signed
 * model, and each test site's evaluation report. What it cannot know is left out (each item then
 * scores as absent and says so), never assumed:
 * - institutions: the protocol names sites, not hospitals, so each site counts as its own institution;
 * - the code's public repository is the one the protocol declares (codeRepository), beside the
 *   hash of the code the coordinator ran (`sourceSha256`, given by the caller);
 * - the IBSI phantom verification is each extracting site's own declaration (its extract result's
 *   summary of the record `fedrad verify-ibsi` wrote), recorded per site.
 * What no software can know comes from the operators' attestations (attestations.ts), with who and when.
 */
export function campaignProvenance(records: CampaignRecords, softwareVersion: string, sourceSha256?: string): CampaignProvenance {
  const { campaign, evaluations, extractions, release, locked } = records;
  const p = campaign.protocol;
  const extractionOf = new Map(extractions.map((e) => [e.siteId, e.result]));
  const evaluationOf = new Map(evaluations.map((r) => [r.siteId!, r]));
  const sites: CampaignProvenance['sites'] = [
    ...p.trainingSites.map((siteId) => ({ siteId, role: 'training' as const })),
    ...p.testSites.map((siteId) => ({ siteId, role: 'test' as const })),
  ].map(({ siteId, role }) => {
    const extract = extractionOf.get(siteId);
    const evaluation = evaluationOf.get(siteId);
    const patientCount = evaluation?.patientCount ?? extract?.patientCount ?? records.trainingCounts.get(siteId);
    const acquisition = extract?.acquisition ? acquisitionSummary(extract.acquisition) : undefined;
    return {
      siteId,
      role,
      institution: siteId,
      ...(patientCount !== undefined ? { patientCount } : {}),
      ...(evaluation ? { eventCount: evaluation.eventCount } : {}),
      ...(acquisition ? { acquisition } : {}),
    };
  });
  const modelFeatures = records.selection?.features ?? locked?.features ?? p.features ?? [];
  const featureCount = extractions.length ? Math.max(...extractions.map((e) => e.result.featureCount)) : undefined;
  const provenance: CampaignProvenance = {
    type: 'campaign-provenance',
    campaignId: campaign.campaignId,
    protocolHash: campaign.protocolHash,
    software: { name: 'fedrad', version: softwareVersion, ...(p.codeRepository ? { codeRepository: p.codeRepository } : {}), ...(sourceSha256 ? { sourceSha256 } : {}) },
    sites,
    ...(p.featureConfig
      ? { extraction: { featureConfigSha256: featureConfigHashOf(p), featureCount: featureCount ?? modelFeatures.length, ibsiCompliant: modelFeatures.length > 0 && modelFeatures.every(isIbsiFeature) } }
      : {}),
    ...(extractions.length ? { phantomVerification: phantomVerificationOf(extractions, softwareVersion) } : {}),
    ...(records.reproducibility ? { reproducibility: reproducibilityOf(records.reproducibility) } : {}),
    ...(records.harmonization ? { harmonization: harmonizationOf(records) } : {}),
    ...(records.selection ? { selection: selectionOf(records) } : {}),
    model: {
      family: p.model.family,
      radiomicFeatures: modelFeatures.length,
      // A combined model (analysisPlan.baseline: radiomic features with the clinical covariates), once the test sites evaluated it.
      clinicalFeatures: evaluations.some((r) => r.baselineModels?.some((b) => b.model === 'combined')) ? [...(p.analysisPlan?.baseline?.covariates ?? [])] : [],
      ...(locked?.onnxSha256 ? { modelSha256: locked.onnxSha256 } : {}),
      signed: release !== undefined,
    },
    ...(evaluations.length
      ? {
          evaluation: {
            siteReports: evaluations.map((r) => ({
              siteId: r.siteId!,
              discrimination: !!(r.discrimination ?? r.survival),
              calibration: !!r.calibration,
              bootstrapReplicates: r.bootstrap?.replicates ?? 0,
              baselineComparison: !!r.baselineComparison,
              decisionCurve: !!r.decisionCurve,
              // The threshold the site applied came with the locked model (its card) or the protocol, never from its own data.
              thresholdFromTraining: r.thresholdMetrics ? r.thresholdMetrics.thresholdSource !== 'operator' : !!r.survival,
              confusionMatrix: !!r.thresholdMetrics,
            })),
            metaAnalysis: !!records.meta?.report,
          },
        }
      : {}),
    // Published with the study: in its provenance and its report (the code's hash beside its public repository).
    published: { protocolSha256: campaign.protocolHash, ...(locked?.onnxSha256 ? { modelSha256: locked.onnxSha256 } : {}), ...(sourceSha256 ? { codeSha256: sourceSha256 } : {}) },
    ...(records.attestations.length ? { attestations: records.attestations } : {}),
  };
  return assertValid<CampaignProvenance>('campaign-provenance', provenance, `provenance of campaign ${campaign.campaignId}`);
}

/**
 * The IBSI phantom verification as every extracting site declared it in its extract result: passed
 * only when each declared a record that passed and was made by the software version and engine
 * that ran its extraction (RQS item 3 names them site by site).
 */
function phantomVerificationOf(extractions: CampaignRecords['extractions'], softwareVersion: string): NonNullable<CampaignProvenance['phantomVerification']> {
  const sites = extractions.map(({ siteId, result }) => (result.ibsiVerification ? { siteId, declared: true, ...result.ibsiVerification } : { siteId, declared: false }));
  const declared = sites.flatMap((s) => ('softwareVersion' in s ? [s] : []));
  const versions = [...new Set(declared.map((s) => s.softwareVersion))];
  return {
    phantom: 'IBSI 1 digital phantom',
    softwareVersion: (versions.length ? versions.join(', ') : softwareVersion).slice(0, 64),
    passed: declared.length === sites.length && declared.every((s) => s.passed && s.ranThisEngine),
    featuresChecked: declared.length ? Math.min(...declared.map((s) => s.featuresChecked)) : 0,
    sites,
  };
}

function reproducibilityOf(r: NonNullable<CampaignRecords['reproducibility']>): NonNullable<CampaignProvenance['reproducibility']> {
  return {
    // An ICC compares two or more segmentations of each patient: at least 2 when the step ran and did not say.
    segmentations: r.segmentations ?? 2,
    method: `ICC ${r.form}, a feature kept when its ${r.on === 'lower' ? "CI's lower bound" : 'estimate'} reaches ${r.threshold}`.slice(0, 200),
    iccThreshold: r.threshold,
    featuresRemoved: r.dropped.length,
  };
}

function harmonizationOf(records: CampaignRecords): NonNullable<CampaignProvenance['harmonization']> {
  const h = records.harmonization!;
  const test = new Set(records.campaign.protocol.testSites);
  // Whose data estimated the parameters: as the step says; else from its per-site summaries; else
  // "all-sites", the reading that claims no independence it cannot show.
  const fittedOn = h.fittedOn ?? (h.siteSummaries ? (h.siteSummaries.some((s) => test.has(s.siteId)) ? 'all-sites' : 'training-sites') : 'all-sites');
  return { method: String(h.method).slice(0, 200), fittedOn };
}

/** A step of the selection output, in words: its method's name when it has one. */
const stepName = (s: unknown): string => (typeof s === 'string' ? s : typeof s === 'object' && s !== null ? String((s as Record<string, unknown>).method ?? (s as Record<string, unknown>).kind ?? (s as Record<string, unknown>).name ?? 'step') : String(s));

function selectionOf(records: CampaignRecords): NonNullable<CampaignProvenance['selection']> {
  const s = records.selection!;
  const p = records.campaign.protocol;
  // Selection starts from the reproducibility step's kept features when it ran, else from the protocol's.
  const before = records.reproducibility?.kept.length ?? p.features?.length ?? Math.max(0, ...records.extractions.map((e) => e.result.featureCount));
  const names = s.steps.map(stepName);
  return {
    method: (names.join(' → ') || 'selection').slice(0, 200),
    featuresBefore: before,
    featuresAfter: s.features.length,
    ...(names.some((n) => /correl|redundan/i.test(n)) ? { redundancyRemoved: true } : {}),
  };
}

/** The site's acquisition counts as the provenance summarises them: its commonest modality, manufacturers, slice-thickness range. */
function acquisitionSummary(a: NonNullable<ExtractResult['acquisition']>): AcquisitionSummary {
  const top = [...(a.modality ?? [])].sort((x, y) => y.count - x.count)[0]?.value;
  const modality: AcquisitionSummary['modality'] = top === 'CT' || top === 'PT' ? top : top === 'MR' ? 'MR' : 'other';
  const manufacturers = (a.manufacturer ?? []).map((m) => m.value.slice(0, 100)).slice(0, 20);
  const thickness = (a.sliceThickness ?? []).map((t) => Number.parseFloat(t.value)).filter((x) => Number.isFinite(x) && x > 0);
  return {
    modality,
    ...(manufacturers.length ? { manufacturers } : {}),
    ...(thickness.length ? { sliceThicknessMm: [Math.min(...thickness), Math.max(...thickness)] } : {}),
  };
}
