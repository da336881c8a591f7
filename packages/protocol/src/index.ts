export * from './canonicalJson.js';
export * from './validate.js';
export * from './tables/index.js';
export type * from './generated/types.js';
export { schemas, type SchemaName } from './generated/schemas.js';
export * from './tensorPacking.js';
export * from './errors/index.js';
export * from './updateLayout.js';
export * from './jobBudget.js';
