import type { ReportInput } from '../reportInput.js';

/** How far the campaign's own record answers an item. */
export type TripodProvision = 'provided' | 'partly' | 'authors';

export interface TripodAnswer {
  provision: TripodProvision;
  /** What the campaign recorded for the item, or what the authors must add. */
  evidence: string;
}

/**
 * A TRIPOD+AI item that applies to the evaluation (external validation) of a prediction model,
 * transcribed from Collins GS, Moons KGM, Dhiman P, et al. "TRIPOD+AI statement: updated guidance
 * for reporting clinical prediction models that use regression or machine learning methods",
 * BMJ 2024;385:e078378, Table 1 (items marked E or D;E; wording abridged). `answer` reads what the
 * campaign recorded; an item no software can know is left to the authors and says so.
 */
export interface TripodItemDefinition {
  item: string;
  section: string;
  topic: string;
  text: string;
  answer(input: ReportInput): TripodAnswer;
}

export const TRIPOD_AI_SOURCE = 'Collins GS, Moons KGM, Dhiman P, et al. TRIPOD+AI statement. BMJ 2024;385:e078378, Table 1 (items for model evaluation, E and D;E)';

const authors = (what: string): TripodAnswer => ({ provision: 'authors', evidence: `Not recorded by the campaign: ${what}` });
const provided = (evidence: string): TripodAnswer => ({ provision: 'provided', evidence });
const partly = (evidence: string): TripodAnswer => ({ provision: 'partly', evidence });

const testSites = (i: ReportInput) => i.siteReports.map((r) => `${r.siteId ?? 'site'} (${r.patientCount} patients, ${r.eventCount} events)`).join('; ');
const sitesOf = (i: ReportInput, role: 'training' | 'test') => i.study?.sites.filter((s) => s.role === role) ?? i.modelCard?.campaign?.sites.filter((s) => s.role === role) ?? [];
const count = (n: number | undefined) => (n === undefined ? 'count not recorded' : `${n} patients`);
const metaOf = (i: ReportInput) => i.pooled?.metaAnalyses ?? [];

export const TRIPOD_AI_ITEMS: readonly TripodItemDefinition[] = [
  {
    item: '1', section: 'Title', topic: 'Title',
    text: 'Identify the study as developing or evaluating the performance of a multivariable prediction model, the target population, and the outcome to be predicted.',
    answer: (i) => (i.study?.question || i.study?.outcome ? partly(`Report title "${i.title}"; question: ${i.study?.question ?? 'not stated'}; outcome: ${i.study?.outcome ?? 'not stated'}. The article's title is the authors'.`) : authors('the article title')),
  },
  {
    item: '3b', section: 'Introduction', topic: 'Background',
    text: 'Describe the target population and the intended purpose of the prediction model in the care pathway, including its intended users.',
    answer: (i) => (i.modelCard?.campaign ? partly(`Intended use (model card): ${i.modelCard.campaign.intendedUse}`) : authors('target population and intended use')),
  },
  {
    item: '4', section: 'Introduction', topic: 'Objectives',
    text: 'Specify the study objectives, including whether the study describes the development or validation of a prediction model (or both).',
    answer: (i) => (i.siteReports.length ? provided(`Development at ${sitesOf(i, 'training').length || 'the'} training site(s) and external validation at ${i.siteReports.length} independent test site(s)${i.study?.question ? `, for: ${i.study.question}` : ''}.`) : authors('objectives')),
  },
  {
    item: '5a', section: 'Methods', topic: 'Data',
    text: 'Describe the sources of data separately for the development and evaluation datasets, the rationale for using these data, and representativeness of the data.',
    answer: (i) => {
      const train = sitesOf(i, 'training').map((s) => s.siteId);
      const test = sitesOf(i, 'test').map((s) => s.siteId);
      return train.length || test.length ? partly(`Development: ${train.join(', ') || 'not recorded'}; evaluation: ${test.join(', ') || 'not recorded'} (each site's own records). Type of data source, rationale and representativeness: the authors.`) : authors('data sources');
    },
  },
  { item: '5b', section: 'Methods', topic: 'Data', text: 'Specify the dates of the collected participant data, including start and end of participant accrual and, if applicable, end of follow-up.', answer: () => authors('accrual dates (no site sends dates)') },
  {
    item: '6a', section: 'Methods', topic: 'Participants',
    text: 'Specify key elements of the study setting, including the number and location of centres.',
    answer: (i) => {
      const n = (i.study?.sites ?? i.modelCard?.campaign?.sites ?? []).length;
      return n ? partly(`${n} centres: ${sitesOf(i, 'training').length} training, ${sitesOf(i, 'test').length} independent test. Setting and location: the authors.`) : authors('study setting');
    },
  },
  { item: '6b', section: 'Methods', topic: 'Participants', text: 'Describe the eligibility criteria for study participants.', answer: () => authors('eligibility criteria') },
  { item: '6c', section: 'Methods', topic: 'Participants', text: 'Give details of any treatments received, and how they were handled during model development or evaluation, if relevant.', answer: () => authors('treatments received') },
  {
    item: '7', section: 'Methods', topic: 'Data preparation',
    text: 'Describe any data pre-processing and quality checking, including whether this was similar across relevant sociodemographic groups.',
    answer: (i) => {
      const qc = (i.study?.sites ?? []).filter((s) => s.failedCases !== undefined);
      const parts = [
        i.study?.featureConfigSha256 ? `every site extracted with the pinned feature configuration ${i.study.featureConfigSha256}` : '',
        qc.length ? `extraction QC per site: ${qc.map((s) => `${s.siteId} ${s.failedCases} failed case(s)${s.missingOutcome ? `, ${s.missingOutcome} without outcome` : ''}`).join('; ')}` : '',
        i.study?.harmonisation ? `harmonisation: ${i.study.harmonisation}` : '',
        i.modelCard?.campaign?.preprocessing ? `preprocessing (model card): ${i.modelCard.campaign.preprocessing}` : '',
      ].filter(Boolean);
      return parts.length ? partly(`${parts.join('; ')}. Checks across sociodemographic groups: the authors.`) : authors('pre-processing and quality checks');
    },
  },
  {
    item: '8a', section: 'Methods', topic: 'Outcome',
    text: 'Clearly define the outcome that is being predicted and the time horizon, including how and when assessed, and whether the method of outcome assessment is consistent across groups.',
    answer: (i) => (i.study?.outcome ? partly(`Outcome (protocol): ${i.study.outcome}. How and when it was assessed: the authors.`) : authors('outcome definition')),
  },
  { item: '8b', section: 'Methods', topic: 'Outcome', text: 'If outcome assessment requires subjective interpretation, describe the qualifications and demographic characteristics of the outcome assessors.', answer: () => authors('outcome assessors') },
  { item: '8c', section: 'Methods', topic: 'Outcome', text: 'Report any actions to blind assessment of the outcome to be predicted.', answer: () => authors('blinding of outcome assessment') },
  {
    item: '9b', section: 'Methods', topic: 'Predictors',
    text: 'Clearly define all predictors, including how and when they were measured (and any actions to blind assessment of predictors).',
    answer: (i) => {
      const f = i.modelCard?.campaign?.features ?? i.modelCard?.inputs.features.map((x) => ({ name: x.name, ibsiCode: undefined as string | undefined })) ?? [];
      if (!f.length) return authors('predictor definitions');
      const coded = f.filter((x) => x.ibsiCode).length;
      return partly(`${f.length} radiomic feature(s), ${coded} with their IBSI code (model card)${i.study?.featureConfigSha256 ? `, computed with the pinned configuration ${i.study.featureConfigSha256}` : ''}. Imaging timing and blinding of segmentation: the authors.`);
    },
  },
  { item: '9c', section: 'Methods', topic: 'Predictors', text: 'If predictor measurement requires subjective interpretation, describe the qualifications and demographic characteristics of the predictor assessors.', answer: () => authors('who segmented the images') },
  {
    item: '10', section: 'Methods', topic: 'Sample size',
    text: 'Explain how the study size was arrived at (separately for development and evaluation), and justify that it was sufficient. Include details of any sample size calculation.',
    answer: (i) => (i.siteReports.length ? partly(`Evaluation: ${testSites(i)}. Justification and any sample-size calculation: the authors.`) : authors('study size')),
  },
  {
    item: '11', section: 'Methods', topic: 'Missing data',
    text: 'Describe how missing data were handled. Provide reasons for omitting any data.',
    answer: (i) => {
      const qc = (i.study?.sites ?? []).filter((s) => s.failedCases !== undefined || s.missingOutcome !== undefined);
      return qc.length
        ? partly(`Cases left out at each site, counted by the extraction QC: ${qc.map((s) => `${s.siteId}: ${s.failedCases ?? 0} not extractable, ${s.missingOutcome ?? 0} without outcome`).join('; ')}. Complete-case analysis (no imputation).`)
        : authors('handling of missing data');
    },
  },
  {
    item: '12a', section: 'Methods', topic: 'Analytical methods',
    text: 'Describe how the data were used in the analysis (development and evaluation of performance), including whether the data were partitioned.',
    answer: (i) => (i.siteReports.length ? provided(`No partition of any site: the model was trained at the training sites and evaluated unchanged at ${i.siteReports.length} independent test site(s) that took no part in training.`) : authors('use of the data')),
  },
  {
    item: '12d', section: 'Methods', topic: 'Analytical methods',
    text: 'Describe if and how any heterogeneity in estimates of model parameter values and model performance was handled and quantified across clusters (e.g. hospitals).',
    answer: (i) => {
      const m = metaOf(i);
      return m.length ? provided(`Random-effects meta-analysis across test sites (${m.map((x) => `${x.measure}: ${x.method}`).join('; ')}), with τ², I² and the 95 % prediction interval.`) : i.siteReports.length >= 2 ? partly('Performance reported per test site; no meta-analysis recorded.') : authors('heterogeneity across centres');
    },
  },
  {
    item: '12e', section: 'Methods', topic: 'Analytical methods',
    text: 'Specify all measures and plots used (and their rationale) to evaluate model performance (discrimination, calibration, clinical utility) and, if relevant, to compare models.',
    answer: (i) => {
      const r = i.siteReports[0];
      if (!r) return authors('performance measures');
      const m = [r.discrimination ? 'AUC with DeLong CI, ROC curve' : '', r.survival ? "Harrell's C" : '', r.calibration ? 'calibration-in-the-large, slope, Brier score, calibration curve' : '', r.decisionCurve ? 'decision curve (net benefit)' : '', r.baselineComparison ? 'paired comparison with the clinical baseline' : ''].filter(Boolean);
      return provided(`${m.join('; ')}. Rationale: the authors.`);
    },
  },
  {
    item: '12f', section: 'Methods', topic: 'Analytical methods',
    text: 'Describe any model updating (e.g. recalibration) arising from the model evaluation, either overall or for particular groups or settings.',
    answer: (i) => (i.modelCard?.campaign ? provided(`None: the locked model ${i.modelCard.campaign.lockedModelHash} was evaluated unchanged; no recalibration.`) : authors('model updating')),
  },
  {
    item: '12g', section: 'Methods', topic: 'Analytical methods',
    text: 'For model evaluation, describe how the model predictions were calculated (e.g. formula, code, object, API).',
    answer: (i) => (i.modelCard ? provided(`Each test site ran the locked ONNX model (SHA-256 ${i.modelCard.modelSha256}) with ${i.modelCard.campaign ? `${i.modelCard.campaign.software.name} ${i.modelCard.campaign.software.version}` : 'fedrad'}, after checking the coordinator's signature of the model and its card.`) : authors('how predictions were calculated')),
  },
  {
    item: '13', section: 'Methods', topic: 'Class imbalance',
    text: 'If class imbalance methods were used, state why and how, and any subsequent methods to recalibrate the model or its predictions.',
    answer: (i) => (i.modelCard?.campaign ? provided(i.modelCard.campaign.classWeights ? `Class weights: ${i.modelCard.campaign.classWeights} (model card); no recalibration afterwards.` : 'No class imbalance method (unweighted likelihood).') : authors('class imbalance')),
  },
  { item: '14', section: 'Methods', topic: 'Fairness', text: 'Describe any approaches that were used to address model fairness and their rationale.', answer: () => authors('fairness (no sociodemographic variable is recorded)') },
  {
    item: '15', section: 'Methods', topic: 'Model output',
    text: 'Specify the output of the prediction model (e.g. probabilities, classification). Provide details and rationale for any classification and how the thresholds were identified.',
    answer: (i) => {
      const c = i.modelCard;
      if (!c) return authors('model output');
      const thresholds = [...new Set(i.siteReports.flatMap((r) => (r.thresholdMetrics ? [`${r.thresholdMetrics.threshold} (from the ${r.thresholdMetrics.thresholdSource})`] : [])))];
      return provided(`Output: ${c.outcome.kind} ${c.outcome.score}${thresholds.length ? `; operating threshold ${thresholds.join(', ')}` : ''}${c.youdenThreshold !== undefined ? `; Youden threshold fixed on the training data ${c.youdenThreshold}` : ''}.`);
    },
  },
  {
    item: '16', section: 'Methods', topic: 'Training versus evaluation',
    text: 'Identify any differences between the development and evaluation data in healthcare setting, eligibility criteria, outcome, and predictors.',
    answer: (i) => (i.distributions?.length ? partly('Predictors: the feature distributions per site (section "Feature distributions"). Setting, eligibility and outcome: the authors.') : authors('differences between development and evaluation data')),
  },
  { item: '17', section: 'Methods', topic: 'Ethical approval', text: 'Name the institutional research board or ethics committee that approved the study and describe the participant informed consent or its waiver.', answer: () => authors('ethics approval and consent') },
  { item: '18c', section: 'Open science', topic: 'Protocol', text: 'Indicate where the study protocol can be accessed or state that a protocol was not prepared.', answer: (i) => (i.study?.protocolHash ? partly(`The campaign protocol, locked before any site saw data, SHA-256 ${i.study.protocolHash}. Where it is published: the authors.`) : authors('study protocol')) },
  { item: '18d', section: 'Open science', topic: 'Registration', text: 'Provide registration information for the study, including register name and number, or state that the study was not registered.', answer: (i) => registration(i) },
  { item: '18e', section: 'Open science', topic: 'Data sharing', text: 'Provide details of the availability of the study data.', answer: () => authors('data availability (the images and feature rows stayed at each site)') },
  {
    item: '18f', section: 'Open science', topic: 'Code sharing', text: 'Provide details of the availability of the analytical code.',
    answer: (i) => (i.study?.codeRepository ? provided(`${i.study.codeRepository} (fedrad ${i.softwareVersion})`) : partly(`fedrad ${i.softwareVersion}; the repository is not recorded by the campaign.`)),
  },
  { item: '19', section: 'Open science', topic: 'Patient and public involvement', text: 'Provide details of any patient and public involvement during the study, or state no involvement.', answer: () => authors('patient and public involvement') },
  {
    item: '20a', section: 'Results', topic: 'Participants',
    text: 'Describe the flow of participants through the study, including the number of participants with and without the outcome and, if applicable, a summary of the follow-up time.',
    answer: (i) => (i.siteReports.length ? partly(`Per test site: ${testSites(i)}. Follow-up summary and flow diagram: the authors.`) : authors('participant flow')),
  },
  {
    item: '20b', section: 'Results', topic: 'Participants',
    text: 'Report the characteristics overall and for each data source or setting, including sample size, number of outcome events and amount of missing data.',
    answer: (i) => {
      const s = i.study?.sites ?? [];
      return s.length ? partly(`Per site: ${s.map((x) => `${x.siteId} (${x.role}): ${count(x.patientCount)}${x.eventCount !== undefined ? `, ${x.eventCount} events` : ''}`).join('; ')}. Demographics and key dates: the authors.`) : authors('participant characteristics');
    },
  },
  {
    item: '20c', section: 'Results', topic: 'Participants',
    text: 'For model evaluation, show a comparison with the development data of the distribution of important predictors (demographics, predictors and outcome).',
    answer: (i) => (i.distributions?.length ? provided(`Feature means and SDs per site, training and test, ${i.distributions.some((d) => d.stage === 'after') ? 'before and after harmonisation' : 'as extracted'} (section "Feature distributions").`) : authors('comparison of predictor distributions')),
  },
  {
    item: '21', section: 'Results', topic: 'Model development',
    text: 'Specify the number of participants and outcome events in each analysis (e.g. model development, hyperparameter tuning, model evaluation).',
    answer: (i) => {
      const n = i.modelCard?.campaign?.trainingMetrics?.sampleCount ?? i.modelCard?.training.n;
      return i.siteReports.length ? provided(`Development: ${n ?? 'n not recorded'} patients; evaluation: ${testSites(i)}.`) : authors('numbers per analysis');
    },
  },
  {
    item: '23a', section: 'Results', topic: 'Model performance',
    text: 'Report model performance estimates with confidence intervals, including for any key subgroups. Consider plots to aid presentation.',
    answer: (i) => (i.siteReports.length ? partly('Per test site with 95 % CIs and plots (sections above); sociodemographic subgroups are not recorded.') : authors('performance estimates')),
  },
  {
    item: '23b', section: 'Results', topic: 'Model performance',
    text: 'If examined, report results of any heterogeneity in model performance across clusters.',
    answer: (i) => {
      const m = metaOf(i);
      return m.length ? provided(m.map((x) => `${x.measure}: I² ${(x.i2 * 100).toFixed(1)} %, τ² ${x.tau2.toPrecision(3)}, 95 % PI [${x.predictionInterval.lower?.toFixed(3)}, ${x.predictionInterval.upper?.toFixed(3)}]`).join('; ')) : authors('heterogeneity across centres');
    },
  },
  { item: '24', section: 'Results', topic: 'Model updating', text: 'Report the results from any model updating, including the updated model and subsequent performance.', answer: (i) => (i.modelCard?.campaign ? provided('No model updating was done.') : authors('model updating')) },
  { item: '25', section: 'Discussion', topic: 'Interpretation', text: 'Give an overall interpretation of the main results, including issues of fairness in the context of the objectives and previous studies.', answer: () => authors('interpretation') },
  {
    item: '26', section: 'Discussion', topic: 'Limitations',
    text: 'Discuss any limitations of the study (non-representative sample, sample size, overfitting, missing data) and their effects on biases, statistical uncertainty and generalisability.',
    answer: (i) => (i.modelCard?.campaign?.limitations.length ? partly(`Model card: ${i.modelCard.campaign.limitations.join(' ')}`) : authors('limitations')),
  },
  { item: '27c', section: 'Discussion', topic: 'Usability of the model', text: 'Discuss any next steps for future research, with a specific view to applicability and generalisability of the model.', answer: () => authors('next steps') },
];

/** Item 18d: the prospective registration is what RQS item 11 records when an operator or the protocol attested it. */
function registration(i: ReportInput): TripodAnswer {
  const rqs11 = i.rqs?.items.find((x) => x.item === 11);
  return rqs11 && rqs11.source === 'declared' && rqs11.points > 0 ? provided(`Attested (RQS item 11): ${rqs11.evidence}`) : authors('registration');
}
