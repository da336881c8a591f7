import { FedRadError, type ErrorContext } from '@fedrad/protocol';

/** Why an aggregation failed: one code per cause, all of them AggregationErrors. */
export type AggregationErrorCode = 'NO_RESULTS' | 'LAYOUT_MISMATCH' | 'WRONG_CONTENTS' | 'NOT_ENOUGH_SITES' | 'SINGULAR_HESSIAN';

/** An aggregation could not be computed from what the sites returned. */
export class AggregationError extends FedRadError {
  declare readonly code: AggregationErrorCode;
  constructor(code: AggregationErrorCode, message: string, context: Pick<ErrorContext, 'strategy' | 'round' | 'siteId' | 'tensor'> = {}) {
    super(code, message, { context });
  }
}

/** The campaign protocol asks for something no strategy here provides. */
export class StrategyConfigError extends FedRadError {
  constructor(message: string, field: string) {
    super('STRATEGY_CONFIG', message, { context: { field } });
  }

  /** The protocol field that asks for it (context.field). */
  get field(): string {
    return this.context.field!;
  }
}
