import type { CampaignProtocol } from './generated/types.js';

/**
 * How many summary-statistics jobs (extract, reproducibility, harmonize, select and the like) the
 * plan of this protocol sends each site: one per step that asks the site for aggregates, times the
 * exchanges that step needs. A step of the plan that sends summary jobs adds its count here, so the
 * site's default budget (jobBudget.summaries unset) is exactly what the pre-registered plan needs:
 * the site reads it from its own approved copy of the protocol, never from the coordinator.
 */
export function plannedSummaryJobs(protocol: CampaignProtocol): number {
  let jobs = 0;
  if (protocol.featureConfig !== undefined) jobs += 1; // extraction: one extract job
  if (protocol.reproducibility !== undefined) jobs += 1; // reproducibility: one job, the site's ANOVA sums (training sites)
  jobs += harmonizeJobs(protocol); // harmonisation: moments (ComBat, pooled z-scoring) and apply
  if (protocol.selection !== undefined) jobs += 1; // selection: one select job (sums and cross-products)
  return jobs;
}

/** The summary jobs a site answers under this protocol: jobBudget.summaries, or by default what its plan needs (at least 1). */
export function summaryJobBudget(protocol: CampaignProtocol): number {
  return protocol.jobBudget?.summaries ?? Math.max(1, plannedSummaryJobs(protocol));
}

/** The harmonize jobs the harmonisation step sends a site: its moments (ComBat, pooled z-scoring), with ComBat covariates its residual sums, and the apply job; none without harmonisation. */
function harmonizeJobs(protocol: CampaignProtocol): number {
  const method = protocol.analysisPlan?.harmonization ?? 'none';
  const residuals = (method === 'combat' || method === 'combat-federated') && (protocol.analysisPlan?.harmonizationOptions?.covariates ?? []).length > 0 ? 1 : 0;
  return method === 'none' ? 0 : method === 'zscore-site' ? 1 : 2 + residuals;
}
