export * from './errors.js';
export { type ScoredPart } from './attestations.js';
export { RQS_ITEMS, type RqsItemDefinition } from './rqsItems.js';
export { METRICS_CONDITIONS, METRICS_ITEMS, type MetricsConditionDefinition, type MetricsItemDefinition } from './metricsItems.js';
export { DECLARABLE_CLAIMS } from './claims.js';
export { RQS_MAX, scoreRqs } from './rqsScore.js';
export { metricsCategory, scoreMetrics } from './metricsScore.js';
