// @fedrad/numeric: numerical building blocks several packages share. Pure functions, no I/O,
// no dependencies; each formula carries its source.
export * from './errors.js';
export * from './linearAlgebra.js';
export * from './proximal.js';
export * from './elasticNet.js';
export * from './penalizedQuadratic.js';
export * from './standardization.js';
export * from './random.js';
export * from './distributions.js';
export * from './fDistribution.js';
export * from './logisticSums.js';
export * from './lambdaGrid.js';
export * from './crossValidation.js';
export * from './falseDiscovery.js';
export * from './scoreTest.js';
export * from './coxPartialLikelihood.js';
