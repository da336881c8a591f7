import type { ErrorKind } from './errorKind.js';
import { isFedRadError } from './fedRadError.js';

/** The operator API's status codes (tRPC's names, which fix the HTTP status). */
export type ApiStatus = 'BAD_REQUEST' | 'NOT_FOUND' | 'CONFLICT' | 'SERVICE_UNAVAILABLE' | 'INTERNAL_SERVER_ERROR';

/** An error as the coordinator's operator API returns it: a status, a stable code and a message, never a stack. */
export interface ApiError {
  status: ApiStatus;
  code: string;
  message: string;
}

/** The API's status for each kind of failure. */
export const API_STATUS_BY_KIND: Readonly<Record<ErrorKind, ApiStatus>> = {
  invalid: 'BAD_REQUEST',
  usage: 'BAD_REQUEST',
  'not-found': 'NOT_FOUND',
  conflict: 'CONFLICT',
  unavailable: 'SERVICE_UNAVAILABLE',
  tampered: 'INTERNAL_SERVER_ERROR',
  'campaign-failed': 'CONFLICT',
  internal: 'INTERNAL_SERVER_ERROR',
};

/**
 * The API's error for anything a procedure threw: a FedRadError keeps its code and message
 * with the status of its kind; anything else is an internal error (code INTERNAL) whose first
 * line only is shown. A stack never leaves.
 */
export function toApiError(error: unknown): ApiError {
  if (isFedRadError(error)) return { status: API_STATUS_BY_KIND[error.kind], code: error.code, message: firstLine(error.message) };
  const message = error instanceof Error ? error.message : String(error);
  return { status: 'INTERNAL_SERVER_ERROR', code: 'INTERNAL', message: firstLine(message) || 'Internal error' };
}

function firstLine(message: string): string {
  return message.split('\n').filter((l) => !/^\s+at /.test(l)).join(' ').replace(/\s+/g, ' ').trim();
}
