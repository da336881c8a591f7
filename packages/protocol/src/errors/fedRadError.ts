import type { ErrorContext } from './errorContext.js';
import type { ErrorKind } from './errorKind.js';

/** A stable error code: the error-report schema's pattern, so every code can cross the wire. */
export const ERROR_CODE_PATTERN = /^[A-Z][A-Z0-9_]{2,63}$/;

export interface FedRadErrorOptions {
  /** Where the failure happened and what it is about. */
  context?: ErrorContext;
  /** The error this one explains (ES2022 `cause`): kept, so a debugger or a log can show the original. */
  cause?: unknown;
  /** What kind of failure this is; `invalid` when not given. */
  kind?: ErrorKind;
}

// A registered symbol, so an error made by a second copy of this module (a worker's bundle,
// another package's dist) is still recognised where `instanceof` would not be.
const BRAND = Symbol.for('@fedrad/protocol/FedRadError');

/**
 * The base of every FedRad error: one class per kind of failure extends it, with a stable
 * `code`, a message a person can act on, one typed `context` and the standard `cause`.
 * A thrower never formats a stack or a cell's value for the wire: the mappings
 * (`toErrorReport`, `exitCodeFor`, `toApiError`) decide what leaves and how.
 */
export class FedRadError extends Error {
  readonly code: string;
  readonly context: Readonly<ErrorContext>;
  readonly kind: ErrorKind;

  constructor(code: string, message: string, options: FedRadErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    // A code that could not cross the wire is a programming error in the class that made it.
    if (!ERROR_CODE_PATTERN.test(code)) throw new TypeError(`${new.target.name}: error code "${code}" does not match ${ERROR_CODE_PATTERN}`);
    this.name = new.target.name;
    this.code = code;
    this.context = withoutUndefined(options.context ?? {});
    this.kind = options.kind ?? 'invalid';
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** Whether a thrown value is a FedRad error (also one made by another copy of this module). */
export function isFedRadError(error: unknown): error is FedRadError {
  return error instanceof FedRadError || (error instanceof Error && (error as unknown as Record<symbol, unknown>)[BRAND] === true);
}

function withoutUndefined(context: ErrorContext): ErrorContext {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(context)) if (value !== undefined) out[key] = value;
  return out as ErrorContext;
}
