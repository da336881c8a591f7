import type { EvaluationReport, MetricsScore, ModelCard, RqsChecklist } from '@fedrad/protocol';

/** One feature's reproducibility, for the ICC distribution. */
export interface FeatureIcc {
  feature: string;
  icc: number;
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
  /** Notes about the run itself (e.g. why nothing was pooled). */
  notes?: string[];
  /** When and by what the report was made (recorded in the report and its twin). */
  generatedAt: string;
  softwareVersion: string;
}
