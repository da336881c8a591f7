import type { EvaluationReport, MetricsScore, ModelCard, RqsChecklist } from '@fedrad/protocol';

/** One feature's reproducibility, for the ICC distribution. */
export interface FeatureIcc {
  feature: string;
  icc: number;
}

/**
 * One site's aggregate summary of one feature (count, mean, SD: never a patient's value), before
 * harmonisation (its extraction QC) or after (its harmonised rows' summary).
 */
export interface SiteFeatureSummary {
  siteId: string;
  feature: string;
  stage: 'before' | 'after';
  n: number;
  mean: number;
  sd: number;
}

/** A site of the study as the TRIPOD+AI items read it: its role and the patients and events it contributed. */
export interface StudySite {
  siteId: string;
  role: 'training' | 'test';
  patientCount?: number;
  eventCount?: number;
  /** Cases the site could not extract, and cases with images but no outcome (its extraction QC). */
  failedCases?: number;
  missingOutcome?: number;
}

/** What the campaign recorded about the study beyond the results (for the TRIPOD+AI items). */
export interface StudyRecord {
  /** The clinical question, in the protocol's words. */
  question?: string;
  /** The outcome as defined by the protocol ("binary: FNCLCC grade 2-3", "survival: death, horizon 730 days"). */
  outcome?: string;
  protocolHash?: string;
  sites: StudySite[];
  /** The pinned feature configuration every site extracted with, when the campaign extracted. */
  featureConfigSha256?: string;
  /** The harmonisation that ran ("ComBat (parametric), fitted on the training sites"), when one did. */
  harmonisation?: string;
  /** Feature selection that ran, in words, when one did. */
  selection?: string;
  /** Where the code that ran can be read. */
  codeRepository?: string;
}

/** Everything a study report shows; each part is optional except the test sites' reports. */
export interface ReportInput {
  title: string;
  campaignId?: string;
  /** Each independent test site's evaluation report (fedrad evaluate, or the campaign's evaluate jobs). */
  siteReports: EvaluationReport[];
  /** The pooled report of the meta-analysis (fedrad meta-analyze, or the campaign's meta-analysis step). */
  pooled?: EvaluationReport;
  rqs?: RqsChecklist;
  metrics?: MetricsScore;
  modelCard?: ModelCard;
  icc?: FeatureIcc[];
  /** Per-site feature summaries before and after harmonisation (the harmonisation step's aggregates). */
  distributions?: SiteFeatureSummary[];
  /** The study's sites and design, for the TRIPOD+AI items. */
  study?: StudyRecord;
  /** Notes about the run itself (e.g. why nothing was pooled, what could not be drawn). */
  notes?: string[];
  /** When and by what the report was made (recorded in the report and its twin). */
  generatedAt: string;
  softwareVersion: string;
}
