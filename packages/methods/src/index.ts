// @fedrad/methods: each federated method assembled from the engines' plain functions — its site
// step (learn, later harmonize and stats), its aggregation (federation) — and the local twin that
// runs any method over partitions in one process. Pure: no I/O.
export * from './errors.js';
export { trainingMethod, type TrainingMethod } from './training/trainingMethod.js';
export { TRAINING_SETTING_RULES, unusedTrainingSettings } from './training/unusedSettings.js';
export { trainingSiteStep, type PlainModelUpdate } from './training/trainingSiteStep.js';
export type { TrainingRows } from './training/trainingRows.js';
export { siteCaseWeights, withPooledClassCounts, type PooledClassCounts } from './training/pooledClassWeights.js';
export { mlpTrainingMethod, EARLY_STOPPING_DEFAULTS } from './mlp/mlpMethod.js';
export { mlpSiteStep, MLP_LOCAL_DEFAULTS } from './mlp/mlpSiteStep.js';
export { INPUT_MEAN, INPUT_SCALE, splitMlpParameters } from './mlp/mlpParameters.js';
export { mlpTrainedModel } from './mlp/mlpTrainedModel.js';
export { validationSplit } from './mlp/validationSplit.js';
export { runLocalTwin, type LocalTwinOptions, type LocalTwinRun } from './localTwin.js';
export { withSecureAggregation, type PairwiseSeeds, type SecureAggregationOptions } from './secureAggregation/maskedSums.js';
export { localPairwiseSeeds } from './secureAggregation/localSeeds.js';
export { secureAggregationRefusal, secureThreshold, secureScale, secureSummand, maskedModelUpdate, updateFromSecureSum, secureRoundUpdate, DEFAULT_SECURE_DROPOUT, DEFAULT_SECURE_SCALE, type MaskedView } from './secureAggregation/secureSums.js';
export { crossValidationMethod, type CrossValidationMethod, type CrossValidationSettings, type CvState } from './tuning/crossValidationMethod.js';
export { crossValidationResult, pathResult, type CrossValidationResult, type PathResult } from './tuning/crossValidationResult.js';
export { pooledRepeats } from './tuning/repeatedFolds.js';
export { bestAlpha } from './tuning/bestAlpha.js';
export { protocolTuningSettings } from './tuning/protocolTuning.js';
export { cvSiteStep } from './tuning/cvSiteStep.js';
export type { CvMeasure, CvStepParams, CvStepUpdate } from './tuning/cvStep.js';
export { foldAssignment, type FoldScheme, type SiteFolds } from './tuning/foldScheme.js';
export { CrossValidationError } from './tuning/tuningErrors.js';
export type { TuningRows } from './tuning/tuningRows.js';
export { selectionMethod, applySelection, type SelectionMethod, type SelectionState } from './selection/selectionMethod.js';
export { selectionSiteSummary, type SelectionSummary, type SelectionSummaryParams } from './selection/selectionSummary.js';
export { selectionSteps, type FeatureStatistics, type SelectionOptions, type SelectionStep } from './selection/selectionSteps.js';
export { pooledMoments, pooledCorrelation, momentsStandardization, type PooledMoments } from './selection/pooledMoments.js';
export { reproducibilityValues, type ReproducibilityChoice, type ReproducibilityReport } from './selection/reproducibilityReport.js';
export { lassoPathSettings, lassoStep, type LassoChoice } from './selection/lassoStep.js';
export type { SurvivalRows } from './cox/survivalRows.js';
export { coxSiteStep, coxBinObjections, type PlainCoxUpdate } from './cox/coxSiteStep.js';
export { coxMethod, type CoxMethod, type CoxMethodOptions } from './cox/coxMethod.js';
export { coxTimeBinsMethod, type TimeBinsParams, type TimeBinsState, type TimeBinsUpdate } from './cox/coxTimeBinsMethod.js';
export { runCoxTwin, type CoxTwinRun } from './cox/coxTwin.js';
