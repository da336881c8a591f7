// @fedrad/learn — ONNX models, derived gradient/Hessian graphs, optimisers, inference export.

// Graph building and differentiation
export { Graph } from './graph/graph.js';
export type { DType, Dim, Shape } from './graph/dtype.js';
export { gradients } from './graph/autodiff.js';
export { serializeGraph, type SerializeOptions } from './graph/serialize.js';
export { OPSET_VERSION, IR_VERSION } from './graph/onnxProto.js';
export { CompiledGraph, type Feed, type Result } from './runtime/session.js';

// Models
export { buildModel, paramSize, totalParamSize, type ForwardModel, type ParamInfo } from './models/forward.js';
export { resolveSpec, type ModelSpec, type ModelFamily, type ResolvedSpec } from './models/spec.js';
export { standardization } from './models/standardization.js';
// Numeric building blocks learn's callers (the site node, the coordinator) already take from here.
export { applyStandardization, identityStandardization, softThreshold, type ElasticNet, type Standardization } from '@fedrad/numeric';
export { originalScaleCoefficients, type TrainedModel, type NamedParam } from './models/trainedModel.js';
export { referenceScores } from './models/referenceForward.js';
export { youdenThreshold } from './models/youden.js';

// Training on one site's data; objectives a federation can sum
export { LocalTrainer, type LocalData } from './training/localTrainer.js';
export { sumEvaluations, sumObjectives, type Evaluation, type Objective } from './training/objective.js';
export { buildLossGraph, buildGradientGraph, buildHessianGraph } from './training/trainingGraphs.js';

// Optimisers
export { minimizeNewton, newtonStep, type NewtonOptions } from './optim/newton.js';
export { minimizeProximalNewton, proximalNewtonStep } from './optim/proximalNewton.js';
export { minimizeFista, proximalGradientStep, type FistaOptions } from './optim/fista.js';
export { SgdMomentum } from './optim/sgd.js';
export { Adam } from './optim/adam.js';
export type { OptimResult } from './optim/smoothObjective.js';

// Fitting, export, prediction
export { fitModel, fitGlmnet, fitCox, type FitOptions } from './fit/fitModel.js';
export { initMlp, mlpLocalSteps, type MlpLocalSteps, type MlpOptions } from './fit/trainMlp.js';
export { exportInferenceModel, INFERENCE_INPUT, INFERENCE_OUTPUT, SURVIVAL_OUTPUT } from './export/inferenceGraph.js';
export { loadInferenceModel, predict, predictOutputs, type InferenceModel } from './export/predict.js';
export { modelCard, sha256Hex } from './modelCard.js';

// Tables
// Tables: the readers live in @fedrad/protocol (the file formats every command shares); re-exported
// here under the names learn's callers already use.
export { readFeatureTable, readOutcomeTable, type FeatureCsv as FeatureTable, type OutcomeCsv as OutcomeTable } from '@fedrad/protocol';
export { alignOutcome } from './tables/alignOutcome.js';
export { resampleRows, type LabelledRows, type Resampling } from './resampling/resampleRows.js';

// Errors
export * from './errors.js';
