export { buildReport, type StudyReport } from './buildReport.js';
export type { FeatureIcc, ReportInput } from './reportInput.js';
export { renderSvg, type VegaLiteSpec } from './renderSvg.js';
