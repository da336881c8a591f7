import { FedRadError, exitCodeFor, isFedRadError } from '@fedrad/protocol';

/**
 * Prints an error the way a person at a terminal needs it (code and message, no stack unless
 * FEDRAD_DEBUG is set) and exits with the code of its kind (exitCodeFor: 2 for a usage error, 1
 * for anything that is not a FedRadError).
 */
export function reportAndExit(error: unknown): never {
  const code = isFedRadError(error) ? `[${error.code}] ` : '';
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`fedrad: ${code}${message}\n`);
  if (process.env.FEDRAD_DEBUG && error instanceof Error && error.stack) process.stderr.write(error.stack + '\n');
  process.exit(exitCodeFor(error));
}

/** An error the CLI's own commands throw; `exitCode` is the code it ends the command with. */
export abstract class CliError extends FedRadError {
  get exitCode(): number {
    return exitCodeFor(this);
  }
}

/** A usage or input problem found by the CLI itself (bad flag combination, missing file): exit 2. */
export class CliUsageError extends CliError {
  constructor(message: string, cause?: unknown) {
    super('CLI_USAGE', message, { kind: 'usage', cause });
  }
}
