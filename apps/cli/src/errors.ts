/**
 * Prints an error the way a person at a terminal needs it (code and message, no stack unless
 * FEDRAD_DEBUG is set) and exits non-zero. Every package error carries a stable `code`.
 */
export function reportAndExit(error: unknown): never {
  const err = error as { code?: string; message?: string; stack?: string };
  const code = typeof err?.code === 'string' ? `[${err.code}] ` : '';
  process.stderr.write(`fedrad: ${code}${err?.message ?? String(error)}\n`);
  if (process.env.FEDRAD_DEBUG && err?.stack) process.stderr.write(err.stack + '\n');
  process.exit(typeof (err as { exitCode?: number }).exitCode === 'number' ? (err as { exitCode: number }).exitCode : 1);
}

/** A usage or input problem found by the CLI itself (bad flag combination, missing file). */
export class CliUsageError extends Error {
  readonly code = 'CLI_USAGE';
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}
