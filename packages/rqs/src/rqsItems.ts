import type { CampaignProvenance } from '@fedrad/protocol';
import { institutions, type Attestations, type ScoredPart } from './attestations.js';

/**
 * The Radiomics Quality Score, transcribed from Lambin P, Leijenaar RTH, Deist TM, et al.
 * "Radiomics: the bridge between medical imaging and personalized medicine", Nat Rev Clin Oncol
 * 2017;14:749–762, Table 1 (and radiomics.world/rqs): 16 items, points −8 … 36. Each item's
 * `criteria` is the table's wording (abridged); `score` reads the campaign provenance, each part
 * naming its evidence. Items, or parts, that no software can know are left to attestations
 * (`claims`), recorded with who, where and when.
 */
export interface RqsItemDefinition {
  item: number;
  name: string;
  criteria: string;
  minPoints: number;
  maxPoints: number;
  /** The attestation claims this item accepts (rqs-N or rqs-N.part). */
  claims: readonly string[];
  score(p: CampaignProvenance, a: Attestations): ScoredPart[];
}

const derived = (points: number, evidence: string): ScoredPart => ({ points, source: 'derived', evidence });
const sites = (p: CampaignProvenance) => p.evaluation?.siteReports ?? [];
/** Whether every evaluated test site's report has the property (and there is at least one). */
const everySite = (p: CampaignProvenance, has: (r: NonNullable<CampaignProvenance['evaluation']>['siteReports'][number]) => boolean) => sites(p).length > 0 && sites(p).every(has);
const siteList = (p: CampaignProvenance) => sites(p).map((r) => r.siteId).join(', ') || 'none';

export const RQS_ITEMS: readonly RqsItemDefinition[] = [
  {
    item: 1,
    name: 'Image protocol quality',
    criteria: '+1 if the protocols are well documented (e.g. contrast, slice thickness, energy); +1 if a public protocol is used',
    minPoints: 0,
    maxPoints: 2,
    claims: ['rqs-1.public-protocol'],
    score(p, a) {
      const missing = p.sites.filter((s) => !s.acquisition).map((s) => s.siteId);
      const config = p.extraction?.featureConfigSha256;
      const documented =
        missing.length === 0 && config
          ? derived(1, `every site's acquisition is summarised (${p.sites.map((s) => `${s.siteId}: ${s.acquisition!.modality}`).join('; ')}) and all ran the pinned feature configuration ${config}`)
          : derived(0, !config ? 'no pinned feature configuration recorded' : `no acquisition summary from ${missing.join(', ')}`);
      return [documented, a.declared('rqs-1.public-protocol', 1, 'public acquisition protocol')];
    },
  },
  {
    item: 2,
    name: 'Multiple segmentations',
    criteria: '+1 if segmentation by multiple physicians, algorithms or software (or perturbations) and feature robustness to it is assessed',
    minPoints: 0,
    maxPoints: 1,
    claims: [],
    score: (p) => [
      p.reproducibility && p.reproducibility.segmentations >= 2
        ? derived(1, `reproducibility step: ${p.reproducibility.segmentations} segmentations per patient (${p.reproducibility.method})`)
        : derived(0, p.reproducibility ? `reproducibility step compared ${p.reproducibility.segmentations} segmentation only` : 'no reproducibility step ran'),
    ],
  },
  {
    item: 3,
    name: 'Phantom study on all scanners',
    criteria: '+1 if a phantom study is used to assess feature robustness (here: the IBSI digital phantom run by the exact software version that extracted the features, against the IBSI reference values)',
    minPoints: 0,
    maxPoints: 1,
    claims: [],
    score(p) {
      const v = p.phantomVerification;
      if (!v) return [derived(0, 'no phantom verification recorded')];
      if (v.sites) return [phantomAtEverySite(v.phantom, v.sites)];
      if (v.softwareVersion !== p.software.version) return [derived(0, `the phantom verification ran ${p.software.name} ${v.softwareVersion}, not the version that ran the campaign (${p.software.version})`)];
      return [v.passed ? derived(1, `${v.phantom}: ${v.featuresChecked} features match the reference with ${p.software.name} ${v.softwareVersion}${v.onScanners ? '; a physical phantom was imaged on every scanner' : ''}`) : derived(0, `${v.phantom} verification failed with ${v.softwareVersion}`)];
    },
  },
  {
    item: 4,
    name: 'Imaging at multiple time points',
    criteria: '+1 if images are collected at additional time points (e.g. delta-radiomics)',
    minPoints: 0,
    maxPoints: 1,
    claims: [],
    score: (p) => [(p.extraction?.timePoints ?? 1) >= 2 ? derived(1, `${p.extraction!.timePoints} time points per patient (delta features)`) : derived(0, 'one time point per patient')],
  },
  {
    item: 5,
    name: 'Feature reduction or adjustment for multiple testing',
    criteria: '−3 if neither measure is implemented; +3 if either is',
    minPoints: -3,
    maxPoints: 3,
    claims: [],
    score(p) {
      const s = p.selection;
      if (s && (s.featuresAfter < s.featuresBefore || s.multipleTestingCorrection)) {
        return [derived(3, `selection (${s.method}): ${s.featuresBefore} → ${s.featuresAfter} features${s.multipleTestingCorrection ? `; multiple-testing correction ${s.multipleTestingCorrection}` : ''}`)];
      }
      const extracted = p.extraction?.featureCount;
      if (extracted !== undefined && p.model.radiomicFeatures < extracted) return [derived(3, `the model keeps ${p.model.radiomicFeatures} of ${extracted} extracted features (${p.model.family})`)];
      return [derived(-3, s ? `selection (${s.method}) kept all ${s.featuresBefore} features and no multiple-testing correction was applied` : 'no feature reduction and no multiple-testing correction')];
    },
  },
  {
    item: 6,
    name: 'Multivariable analysis with non-radiomic features',
    criteria: '+1 if multivariable analysis with non-radiomic features (e.g. EGFR mutation, clinical variables) is performed',
    minPoints: 0,
    maxPoints: 1,
    claims: [],
    score: (p) => [p.model.clinicalFeatures.length > 0 ? derived(1, `combined model with ${p.model.clinicalFeatures.join(', ')}`) : derived(0, 'radiomic features only')],
  },
  {
    item: 7,
    name: 'Detect and discuss biological correlates',
    criteria: '+1 if phenotypic differences are demonstrated and discussed (e.g. with genomics, proteomics, histology)',
    minPoints: 0,
    maxPoints: 1,
    claims: ['rqs-7'],
    score: (_p, a) => [a.declared('rqs-7', 1, 'biological correlates')],
  },
  {
    item: 8,
    name: 'Cut-off analyses',
    criteria: '+1 if risk groups are determined by the median, a previously published cut-off, or a continuous risk variable is reported',
    minPoints: 0,
    maxPoints: 1,
    claims: [],
    score: (p) => [
      everySite(p, (r) => r.thresholdFromTraining)
        ? derived(1, `the operating threshold / risk cut-off was fixed on the training data and applied unchanged at ${siteList(p)}`)
        : derived(0, sites(p).length ? 'a test site chose its own threshold' : 'no test site evaluated the model'),
    ],
  },
  {
    item: 9,
    name: 'Discrimination statistics',
    criteria: '+1 if a discrimination statistic (ROC, AUC, C-index) and its statistical significance are reported; +1 if a resampling method (bootstrap, cross-validation) is also applied',
    minPoints: 0,
    maxPoints: 2,
    claims: [],
    score: (p) => {
      const reported = everySite(p, (r) => r.discrimination);
      return [
        reported ? derived(1, `AUC / C-index with its CI at ${siteList(p)}`) : derived(0, 'no discrimination statistic at every test site'),
        reported && everySite(p, (r) => r.bootstrapReplicates > 0) ? derived(1, `bootstrap (${sites(p).map((r) => r.bootstrapReplicates).join(', ')} replicates)`) : derived(0, 'no resampling'),
      ];
    },
  },
  {
    item: 10,
    name: 'Calibration statistics',
    criteria: '+1 if a calibration statistic (calibration-in-the-large, slope) and its statistical significance are reported; +1 if a resampling method is also applied',
    minPoints: 0,
    maxPoints: 2,
    claims: [],
    score: (p) => {
      const reported = everySite(p, (r) => r.calibration);
      return [
        reported ? derived(1, `calibration-in-the-large and slope with CIs at ${siteList(p)}`) : derived(0, 'no calibration at every test site'),
        reported && everySite(p, (r) => r.bootstrapReplicates > 0) ? derived(1, 'bootstrap CIs (Brier score)') : derived(0, 'no resampling'),
      ];
    },
  },
  {
    item: 11,
    name: 'Prospective study registered in a trial database',
    criteria: '+7 for prospective validation of a radiomics signature in an appropriate trial',
    minPoints: 0,
    maxPoints: 7,
    claims: ['rqs-11'],
    score: (_p, a) => [a.declared('rqs-11', 7, 'prospective, registered study')],
  },
  {
    item: 12,
    name: 'Validation',
    criteria: '−5 if validation is missing; +2 if based on a dataset from the same institute; +3 from another institute; +4 two datasets from two distinct institutes; +4 if the study validates a previously published signature; +5 three or more datasets from distinct institutes',
    minPoints: -5,
    maxPoints: 5,
    claims: ['rqs-12.published-signature'],
    score(p, a) {
      const training = institutions(p, 'training');
      const external = [...institutions(p, 'test')].filter((i) => !training.has(i));
      const sameInstitute = [...institutions(p, 'test')].filter((i) => training.has(i));
      const points = external.length >= 3 ? 5 : external.length === 2 ? 4 : external.length === 1 ? 3 : sameInstitute.length > 0 || p.evaluation?.internalHoldOut ? 2 : -5;
      const evidence =
        points === -5
          ? 'no test site: no validation'
          : external.length
            ? `${external.length} distinct external institution(s) among the test sites: ${external.join(', ')}`
            : `validation on data of a training institution only (${sameInstitute.join(', ') || 'internal hold-out'})`;
      const published = a.declared('rqs-12.published-signature', 4, 'validates a previously published signature');
      // The item scores its best case, not the sum of its cases.
      return published.points > 0 && published.points > points ? [derived(0, evidence), published] : [derived(points, evidence), { ...published, points: 0 }];
    },
  },
  {
    item: 13,
    name: "Comparison to 'gold standard'",
    criteria: "+2 if the model's agreement with or superiority to the current 'gold standard' (e.g. TNM staging) is assessed",
    minPoints: 0,
    maxPoints: 2,
    claims: [],
    score: (p) => [everySite(p, (r) => r.baselineComparison) ? derived(2, `paired comparison with the clinical baseline on the same patients at ${siteList(p)}`) : derived(0, 'no comparison with the clinical baseline at every test site')],
  },
  {
    item: 14,
    name: 'Potential clinical utility',
    criteria: '+2 if the current and potential application in a clinical setting is reported (e.g. decision curve analysis)',
    minPoints: 0,
    maxPoints: 2,
    claims: [],
    score: (p) => [everySite(p, (r) => r.decisionCurve) ? derived(2, `decision curve (net benefit) at ${siteList(p)}`) : derived(0, 'no decision curve at every test site')],
  },
  {
    item: 15,
    name: 'Cost-effectiveness analysis',
    criteria: '+1 if a cost-effectiveness analysis of the clinical application is performed',
    minPoints: 0,
    maxPoints: 1,
    claims: ['rqs-15'],
    score: (_p, a) => [a.declared('rqs-15', 1, 'cost-effectiveness analysis')],
  },
  {
    item: 16,
    name: 'Open science and data',
    criteria: '+1 if scans are open source; +1 if region-of-interest segmentations are open source; +1 if code is open source; +1 if radiomic features are calculated on a set of representative ROIs and the features and ROIs are open source',
    minPoints: 0,
    maxPoints: 4,
    claims: ['rqs-16.scans', 'rqs-16.segmentations', 'rqs-16.features'],
    score(p, a) {
      const pub = p.published ?? {};
      const code =
        p.software.codeRepository && pub.codeSha256 && pub.protocolSha256 && pub.modelSha256
          ? derived(1, `open-source code ${p.software.codeRepository} (${p.software.name} ${p.software.version}); published hashes of the code ${pub.codeSha256}, protocol ${pub.protocolSha256} and model ${pub.modelSha256}`)
          : derived(0, !p.software.codeRepository ? 'no public code repository recorded' : 'the code, protocol and model hashes are not all published');
      return [a.declared('rqs-16.scans', 1, 'open scans'), a.declared('rqs-16.segmentations', 1, 'open segmentations'), code, a.declared('rqs-16.features', 1, 'open features on representative ROIs')];
    },
  },
];

/**
 * RQS item 3 from the extracting sites' own declarations: the point only when every site declared
 * an IBSI verification record that passed and was made by the software version and radiomics
 * engine that ran its extraction; the evidence names each site's version, counts and record.
 */
function phantomAtEverySite(phantom: string, sites: NonNullable<NonNullable<CampaignProvenance['phantomVerification']>['sites']>): ScoredPart {
  if (!sites.length) return derived(0, 'no site extracted features, so no phantom verification applies');
  const line = (s: (typeof sites)[number]) =>
    !s.declared
      ? `${s.siteId} declared no IBSI verification`
      : `${s.siteId}: fedrad ${s.softwareVersion}, ${s.featuresMatched} of ${s.featuresChecked} reference values matched${s.ranThisEngine ? '' : ', made by another version or engine than the one that extracted'} (record ${s.recordSha256})`;
  const ok = sites.every((s) => s.declared && s.passed && s.ranThisEngine);
  return derived(ok ? 1 : 0, `${phantom}${ok ? ' verified by the engine that extracted at every site' : ' not verified at every extracting site'}: ${sites.map(line).join('; ')}`);
}
