/** An aggregation could not be computed from what the sites returned. */
export class AggregationError extends Error {
  constructor(
    readonly code: 'NO_RESULTS' | 'LAYOUT_MISMATCH' | 'WRONG_CONTENTS' | 'NOT_ENOUGH_SITES' | 'SINGULAR_HESSIAN',
    message: string,
    readonly context: { strategy?: string; round?: number; siteId?: string; tensor?: string } = {},
  ) {
    super(message);
    this.name = 'AggregationError';
  }
}

/** The campaign protocol asks for something no strategy here provides. */
export class StrategyConfigError extends Error {
  readonly code = 'STRATEGY_CONFIG';
  constructor(message: string, readonly field: string) {
    super(message);
    this.name = 'StrategyConfigError';
  }
}
