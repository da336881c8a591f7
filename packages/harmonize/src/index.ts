// @fedrad/harmonize: reproducibility (ICC) and harmonisation (ComBat, z-scoring). Each method is a
// federated pair of plain functions — a site summary of its own rows, a coordinator combination,
// a site application — with a centralised twin it equals. Pure: no I/O.
export * from './errors.js';
export { DEFAULT_MIN_COHORT_SIZE, type FeatureRows, type SiteStepContext } from './siteRows.js';
export { ICC_FORMS, ICC_FORM_MEANING, iccFromAnova, type IccAnova, type IccEstimate, type IccForm } from './icc/iccForms.js';
export { alignReaders, type ReaderTable } from './icc/readerTable.js';
export { icc, iccOfTable, type IccFeatureResult, type IccOptions } from './icc/icc.js';
export { iccCombine, iccSiteSummary, type IccSiteSummary } from './icc/iccFederated.js';
export { filterReproducible, kooLiBand, type KooLiBand, type ReproducibilityDecision, type ReproducibilityThreshold } from './icc/reproducibilityFilter.js';
export { combat, type CombatResult } from './combat/combat.js';
export type { CombatOptions, CombatRows } from './combat/combatInput.js';
export {
  combatBatchAdjustment, combatCovariateFit, combatEstimate, combatSiteApply, combatSiteMoments, combatSiteResiduals,
  type CombatCovariateFit, type CombatStandardisation, type CombatSiteAdjustment, type CombatSiteMoments, type CombatSiteResiduals,
} from './combat/combatFederated.js';
export { runCombatTwin, type CombatTwinRun } from './combat/combatTwin.js';
export { shrinkBatchEffects, type BatchAdjustment, type BatchEffects, type EmpiricalBayesOptions } from './combat/empiricalBayes.js';
export {
  applyStandardisation, standardisationOf, zscoreCombine, zscorePooled, zscoreSite, zscoreSiteMoments,
  type Standardisation, type ZscoreSiteMoments,
} from './zscore/zscore.js';
