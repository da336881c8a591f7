import type { SiteStepContext } from '../siteRows.js';
import { combatCovariateFit, combatEstimate, combatSiteApply, combatSiteMoments, combatSiteResiduals, type CombatSiteAdjustment } from './combatFederated.js';
import type { CombatOptions, CombatRows } from './combatInput.js';

export interface CombatTwinRun {
  /** Each site's harmonised rows, in its own row order. */
  harmonised: Map<string, Float64Array>;
  /** What each site was sent. */
  adjustments: Map<string, CombatSiteAdjustment>;
}

/**
 * The local twin of federated ComBat: the two rounds and the application, with exactly the site
 * and coordinator functions a campaign runs, over partitions held in one process (sites in id
 * order). `fedrad harmonize --method combat --sites` runs this.
 */
export function runCombatTwin(partitions: ReadonlyMap<string, CombatRows>, options: CombatOptions = {}, minCohortSize?: number): CombatTwinRun {
  const sites = [...partitions.keys()].sort();
  const context = (siteId: string): SiteStepContext => ({ siteId, ...(minCohortSize !== undefined ? { minCohortSize } : {}) });
  const moments = new Map(sites.map((s) => [s, combatSiteMoments(partitions.get(s)!, context(s))]));
  const fit = combatCovariateFit(moments);
  const residuals = new Map(sites.map((s) => [s, combatSiteResiduals(partitions.get(s)!, fit, context(s))]));
  const adjustments = combatEstimate(moments, residuals, fit, options);
  const harmonised = new Map(sites.map((s) => [s, combatSiteApply(partitions.get(s)!, adjustments.get(s)!, s)]));
  return { harmonised, adjustments };
}
