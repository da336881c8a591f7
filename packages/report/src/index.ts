export { buildReport, type StudyReport } from './buildReport.js';
export type { FeatureIcc, ReportInput, SiteFeatureSummary, StudyRecord, StudySite } from './reportInput.js';
export { renderSvg, type VegaLiteSpec } from './renderSvg.js';
export { tripodChecklist, type TripodRow } from './tripod/tripodChecklist.js';
export { TRIPOD_AI_ITEMS, TRIPOD_AI_SOURCE, type TripodProvision } from './tripod/tripodItems.js';
