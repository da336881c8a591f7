import type { CampaignProvenance } from '@fedrad/protocol';
import { institutions, type Attestations, type ScoredPart } from './attestations.js';

/**
 * METRICS, transcribed from Kocak B, Akinci D'Antonoli T, Mercaldo N, et al. "METhodological
 * RadiomICs Score (METRICS): a quality scoring tool for radiomics research endorsed by EuSoMII",
 * Insights Imaging 2024;15:8 (doi:10.1186/s13244-023-01572-w), Table 1 (items, categories,
 * weights) and its footnotes (conditions), with the weights of items 24–30 and the scoring rule
 * as in the authors' METRICS tool v1.0 (github.com/metricsscore/metrics, METRICS.html): the score
 * is Σ weight(yes) / Σ weight(yes or no) × 100, items whose condition is not met are left out of
 * both sums, and the bands are <20 very low, <40 low, <60 moderate, <80 good, ≤100 excellent.
 */
export interface MetricsConditionDefinition {
  condition: number;
  question: string;
  answer(p: CampaignProvenance, a: Attestations): { answer: boolean } & ScoredPart;
}

export interface MetricsItemDefinition {
  item: number;
  category: string;
  name: string;
  weight: number;
  /** The conditions that must all hold for the item to count. */
  requires: readonly number[];
  /** Whether the item is left to an attestation (claim metrics-N). */
  declared: boolean;
  /** Derived items: yes or no from the provenance, with the evidence. */
  derive?(p: CampaignProvenance): { yes: boolean; evidence: string };
}

const sites = (p: CampaignProvenance) => p.evaluation?.siteReports ?? [];
const everySite = (p: CampaignProvenance, has: (r: NonNullable<CampaignProvenance['evaluation']>['siteReports'][number]) => boolean) => sites(p).length > 0 && sites(p).every(has);
const derivedCondition = (answer: boolean, evidence: string) => ({ answer, points: 0, source: 'derived' as const, evidence });
const declaredCondition = (a: Attestations, n: number, what: string) => {
  const part = a.declared(`metrics-condition-${n}`, 1, what);
  return { ...part, answer: part.points === 1 };
};

export const METRICS_CONDITIONS: readonly MetricsConditionDefinition[] = [
  { condition: 1, question: 'Does the study include segmentation?', answer: (p) => derivedCondition(p.extraction !== undefined, p.extraction ? 'features are extracted within segmented regions (extract step)' : 'no extract step ran') },
  { condition: 2, question: 'Does the study include fully automated segmentation?', answer: (_p, a) => declaredCondition(a, 2, 'fully automated segmentation') },
  {
    condition: 3,
    question: 'Does the study include hand-crafted feature extraction?',
    answer: (p) => derivedCondition(p.extraction?.ibsiCompliant === true, p.extraction?.ibsiCompliant ? 'IBSI-defined (hand-crafted) features' : 'no hand-crafted features recorded'),
  },
  { condition: 4, question: 'Does the study include tabular data?', answer: (p) => derivedCondition(p.extraction !== undefined, p.extraction ? `a feature table of ${p.extraction.featureCount} features` : 'no feature table') },
  {
    condition: 5,
    question: 'Does the study include end-to-end deep learning?',
    answer: (p) => derivedCondition(p.model.endToEndDeepLearning === true, p.model.endToEndDeepLearning ? 'end-to-end deep learning model' : `a ${p.model.family} model on tabular features`),
  },
];

const yes = (ok: boolean, evidence: string, otherwise: string) => ({ yes: ok, evidence: ok ? evidence : otherwise });

export const METRICS_ITEMS: readonly MetricsItemDefinition[] = [
  { item: 1, category: 'Study design', name: 'Adherence to radiomics and/or machine learning-specific checklists or guidelines', weight: 0.0368, requires: [], declared: true },
  { item: 2, category: 'Study design', name: 'Eligibility criteria that describe a representative study population', weight: 0.0735, requires: [], declared: true },
  { item: 3, category: 'Study design', name: 'High-quality reference standard with a clear definition', weight: 0.0919, requires: [], declared: true },
  {
    item: 4,
    category: 'Imaging data',
    name: 'Multi-center',
    weight: 0.0438,
    requires: [],
    declared: false,
    derive: (p) => {
      const all = new Set(p.sites.map((s) => s.institution));
      return yes(all.size >= 2, `${all.size} institutions: ${[...all].join(', ')}`, `one institution (${[...all].join(', ')})`);
    },
  },
  { item: 5, category: 'Imaging data', name: 'Clinical translatability of the imaging data source for radiomics analysis', weight: 0.0292, requires: [], declared: true },
  {
    item: 6,
    category: 'Imaging data',
    name: 'Imaging protocol with acquisition parameters',
    weight: 0.0438,
    requires: [],
    declared: false,
    derive: (p) => {
      const missing = p.sites.filter((s) => !s.acquisition).map((s) => s.siteId);
      return yes(missing.length === 0, `acquisition summarised at every site (${p.sites.map((s) => `${s.siteId}: ${s.acquisition?.modality}`).join('; ')})`, `no acquisition summary from ${missing.join(', ')}`);
    },
  },
  { item: 7, category: 'Imaging data', name: 'The interval between imaging used and reference standard', weight: 0.0292, requires: [], declared: true },
  { item: 8, category: 'Segmentation', name: 'Transparent description of segmentation methodology', weight: 0.0337, requires: [1], declared: true },
  { item: 9, category: 'Segmentation', name: 'Formal evaluation of fully automated segmentation', weight: 0.0225, requires: [1, 2], declared: true },
  { item: 10, category: 'Segmentation', name: 'Test set segmentation masks produced by a single reader or automated tool', weight: 0.0112, requires: [1], declared: true },
  {
    item: 11,
    category: 'Image processing and feature extraction',
    name: 'Appropriate use of image preprocessing techniques with transparent description',
    weight: 0.0622,
    requires: [],
    declared: false,
    derive: (p) =>
      yes(
        !!p.extraction?.featureConfigSha256,
        `every site ran the pinned feature configuration ${p.extraction?.featureConfigSha256} (interpolation, re-segmentation, discretisation)${p.harmonization ? `; harmonisation ${p.harmonization.method} fitted on ${p.harmonization.fittedOn}` : ''}`,
        'no pinned preprocessing configuration recorded',
      ),
  },
  {
    item: 12,
    category: 'Image processing and feature extraction',
    name: 'Use of standardized feature extraction software',
    weight: 0.0311,
    requires: [3],
    declared: false,
    derive: (p) => {
      const v = p.phantomVerification;
      // Per-site records name each site's own version; the summary's pass already requires each to be the one that extracted.
      const ok = !!v && v.passed && (v.sites !== undefined || v.softwareVersion === p.software.version);
      return yes(ok, `${p.software.name} ${p.software.version} verified on ${v?.phantom} against the IBSI reference values`, v ? `the IBSI verification ${v.passed ? `ran ${v.softwareVersion}, not ${p.software.version}` : 'failed'}` : 'no IBSI verification recorded');
    },
  },
  {
    item: 13,
    category: 'Image processing and feature extraction',
    name: 'Transparent reporting of feature extraction parameters, otherwise providing a default configuration statement',
    weight: 0.0415,
    requires: [],
    declared: false,
    derive: (p) => yes(!!p.extraction?.featureConfigSha256, `feature configuration ${p.extraction?.featureConfigSha256} recorded with its every setting`, 'no feature configuration recorded'),
  },
  {
    item: 14,
    category: 'Feature processing',
    name: 'Removal of non-robust features',
    weight: 0.02,
    requires: [4],
    declared: false,
    derive: (p) => {
      const r = p.reproducibility;
      return yes(!!r && (r.featuresRemoved ?? 0) > 0, `${r?.featuresRemoved} non-robust features removed (${r?.method}${r?.iccThreshold !== undefined ? `, ICC < ${r.iccThreshold}` : ''})`, r ? 'the reproducibility step removed no feature' : 'no reproducibility step ran');
    },
  },
  {
    item: 15,
    category: 'Feature processing',
    name: 'Removal of redundant features',
    weight: 0.02,
    requires: [4],
    declared: false,
    derive: (p) => yes(p.selection?.redundancyRemoved === true, `redundant features removed in selection (${p.selection?.method})`, 'no removal of correlated features recorded'),
  },
  {
    item: 16,
    category: 'Feature processing',
    name: 'Appropriateness of dimensionality compared to data size',
    weight: 0.03,
    requires: [4],
    declared: false,
    // Operationalised as at least 10 training events per model variable (Peduzzi et al. 1996, J Clin Epidemiol 49:1373).
    derive: (p) => {
      const variables = p.model.radiomicFeatures + p.model.clinicalFeatures.length;
      const events = p.model.trainingEvents;
      if (events === undefined) return { yes: false, evidence: 'training events not recorded' };
      const epv = variables > 0 ? events / variables : Infinity;
      return yes(epv >= 10, `${events} training events for ${variables} model variables (${epv.toFixed(1)} per variable ≥ 10)`, `${events} training events for ${variables} model variables (${epv.toFixed(1)} per variable < 10)`);
    },
  },
  { item: 17, category: 'Feature processing', name: 'Robustness assessment of end-to-end deep learning pipelines', weight: 0.02, requires: [5], declared: true },
  {
    item: 18,
    category: 'Preparation for modeling',
    name: 'Proper data partitioning process',
    weight: 0.0599,
    requires: [],
    declared: false,
    derive: (p) => {
      const training = new Set(p.sites.filter((s) => s.role === 'training').map((s) => s.siteId));
      const test = p.sites.filter((s) => s.role === 'test');
      const leaked = p.harmonization?.fittedOn === 'all-sites';
      const ok = test.length > 0 && test.every((s) => !training.has(s.siteId)) && !leaked;
      return yes(ok, `independent test sites (${test.map((s) => s.siteId).join(', ')}) never train, partitioned by site (patient level) before any step${p.harmonization ? '; harmonisation fitted on training sites only' : ''}`, leaked ? 'harmonisation was fitted on the test sites too' : 'no independent test partition');
    },
  },
  { item: 19, category: 'Preparation for modeling', name: 'Handling of confounding factors', weight: 0.03, requires: [], declared: true },
  {
    item: 20,
    category: 'Metrics and comparison',
    name: 'Use of appropriate performance evaluation metrics for task',
    weight: 0.0352,
    requires: [],
    declared: false,
    derive: (p) => yes(everySite(p, (r) => r.discrimination && r.confusionMatrix), 'AUC / C-index and the confusion matrix at every test site', 'not every test site reports discrimination and a confusion matrix'),
  },
  {
    item: 21,
    category: 'Metrics and comparison',
    name: 'Consideration of uncertainty',
    weight: 0.0234,
    requires: [],
    declared: false,
    derive: (p) => yes(everySite(p, (r) => r.discrimination), `95 % CIs (DeLong, Wald${everySite(p, (r) => r.bootstrapReplicates > 0) ? ', bootstrap' : ''}) at every test site`, 'no CI at every test site'),
  },
  {
    item: 22,
    category: 'Metrics and comparison',
    name: 'Calibration assessment',
    weight: 0.0176,
    requires: [],
    declared: false,
    derive: (p) => yes(everySite(p, (r) => r.calibration), 'calibration at every test site', 'no calibration at every test site'),
  },
  { item: 23, category: 'Metrics and comparison', name: 'Use of uni-parametric imaging or proof of its inferiority', weight: 0.0117, requires: [], declared: true },
  {
    item: 24,
    category: 'Metrics and comparison',
    name: 'Comparison with a non-radiomic approach or proof of added clinical value',
    weight: 0.0293,
    requires: [],
    declared: false,
    derive: (p) =>
      yes(everySite(p, (r) => r.baselineComparison || r.decisionCurve), 'paired comparison with the clinical baseline and/or decision curve at every test site', 'no comparison with a non-radiomic approach at every test site'),
  },
  { item: 25, category: 'Metrics and comparison', name: 'Comparison with simple or classical statistical models', weight: 0.0176, requires: [], declared: true },
  {
    item: 26,
    category: 'Testing',
    name: 'Internal testing',
    weight: 0.0375,
    requires: [],
    declared: false,
    derive: (p) => yes(p.evaluation?.internalHoldOut === true, 'a held-out test set of the training institutions was evaluated', 'no internal hold-out test set'),
  },
  {
    item: 27,
    category: 'Testing',
    name: 'External testing',
    weight: 0.0749,
    requires: [],
    declared: false,
    derive: (p) => {
      const training = institutions(p, 'training');
      const external = [...institutions(p, 'test')].filter((i) => !training.has(i));
      const evaluated = sites(p).length > 0;
      return yes(external.length > 0 && evaluated, `tested at ${external.length} other institution(s): ${external.join(', ')}`, evaluated ? 'no test site from another institution' : 'no test site evaluated the model');
    },
  },
  { item: 28, category: 'Open science', name: 'Data availability', weight: 0.0075, requires: [], declared: true },
  {
    item: 29,
    category: 'Open science',
    name: 'Code availability',
    weight: 0.0075,
    requires: [],
    declared: false,
    derive: (p) => yes(!!p.software.codeRepository, `${p.software.name} ${p.software.version}: ${p.software.codeRepository}`, 'no public code repository recorded'),
  },
  {
    item: 30,
    category: 'Open science',
    name: 'Model availability',
    weight: 0.0075,
    requires: [],
    declared: false,
    derive: (p) => yes(p.model.published === true, `the model${p.model.signed ? ' (signed with the campaign CA)' : ''} and its card are released${p.model.modelSha256 ? `, SHA-256 ${p.model.modelSha256}` : ''}`, 'the model is not released'),
  },
];
