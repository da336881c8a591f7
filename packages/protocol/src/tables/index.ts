// The file-level contract between fedrad commands: features, outcome, predictions and sites CSVs.
export { formatCsvRow, readCsv, type CsvRecord } from './csv.js';
export { readCovariateTable, type CovariateCsv } from './covariateTable.js';
export { readFeatureTable, type FeatureCsv } from './featureTable.js';
export { readOutcomeTable, type OutcomeCsv } from './outcomeTable.js';
export { readPredictionTable, type PredictionCsv } from './predictionTable.js';
export { readSiteTable, type SiteCsv } from './siteTable.js';
export * from './tableErrors.js';
