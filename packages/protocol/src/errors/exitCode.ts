import type { ErrorKind } from './errorKind.js';
import { isFedRadError } from './fedRadError.js';

/**
 * The `fedrad` command's exit code for each kind of failure: 2 for a wrong command line,
 * 3 when the audit chain does not verify, 5 when a waited-for campaign failed, 1 otherwise
 * (and for anything that is not a FedRadError).
 */
export const EXIT_CODE_BY_KIND: Readonly<Record<ErrorKind, number>> = {
  invalid: 1,
  usage: 2,
  'not-found': 1,
  conflict: 1,
  unavailable: 1,
  tampered: 3,
  'campaign-failed': 5,
  internal: 1,
};

/** The exit code the CLI ends with after `error`. */
export function exitCodeFor(error: unknown): number {
  return isFedRadError(error) ? EXIT_CODE_BY_KIND[error.kind] : 1;
}
