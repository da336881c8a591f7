// The report's chart specifications on their own (`@fedrad/report/charts`): Vega-Lite documents
// built from evaluation reports, with no Node import, so the web console (apps/console) draws the
// same plots in the browser that the report renders to SVG here.
export { calibrationRows, calibrationSpec, type CalibrationRow } from './calibration.js';
export { decisionRows, decisionSpec, type DecisionRow } from './decisionCurve.js';
export { forestRows, forestSpec, type ForestRow } from './forest.js';
export { kaplanMeierRows, kaplanMeierSpec, type KaplanMeierRow } from './kaplanMeier.js';
export { rocRows, rocSpec, type RocRow } from './roc.js';
export type { VegaLiteSpec } from '../renderSvg.js';
