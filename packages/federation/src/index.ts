// @fedrad/federation: aggregation strategies (configure a round, aggregate its results) and the
// FederatedMethod shape every federated method takes. Pure: no I/O.
export * from './types.js';
export type * from './federatedMethod.js';
export * from './errors.js';
export { flatten, unflatten, sortedBySite } from './tensors.js';
export { clipByNorm } from './clipping.js';
export { gaussianNoise, gaussianRdpEpsilon, privateMeanUpdate, type PrivacyOptions } from './differentialPrivacy.js';
export { fedAvg, type FedAvgOptions } from './fedAvg.js';
export { fedProx } from './fedProx.js';
export { fedAdam, fedYogi, type FedOptOptions } from './fedOpt.js';
export { coordinateMedian, trimmedMean } from './robustMeans.js';
export { exactNewton, type ExactNewtonOptions } from './glm/exactNewton.js';
export { exactGradient, type ExactGradientOptions } from './glm/exactGradient.js';
export { strategyForProtocol, initialGlmParameters } from './createStrategy.js';
export { pairwiseSeed, maskStream, maskUpdate, unmaskSum, quantize, dequantize } from './secureAggregation.js';
export {
  SecureAggregationSite,
  unmaskSum as unmaskSecureSum,
  MIN_SECURE_AGGREGATE_SITES,
  type SecAggContext,
  type KeyAdvertisement,
  type EncryptedShares,
  type UnmaskingShares,
  type SecureAggregationSiteState,
} from './secureAggregation/doubleMasking.js';
export { splitSecret, combineShares, lagrangeAtZero, SHAMIR_PRIME, type Share } from './secureAggregation/shamir.js';
export { encodeFixedPoint, decodeFixedPoint, perSiteBound, RING } from './secureAggregation/fixedPoint.js';
export { coxLayout, type CoxRoundParams, type CoxState, type CoxUpdate, type CoxVariant } from './cox/coxRound.js';
export { coxPenaltyOf } from './cox/coxPenalty.js';
export { coxNewtonStep, type CoxPooledDerivatives } from './cox/coxNewtonStep.js';
export { coxPooledDerivatives, type CoxResult } from './cox/coxSums.js';
export { mergeTimeBins } from './cox/coxTimeBins.js';
export { coxExactNewton, type CoxExactNewtonOptions } from './cox/coxStrategy.js';
