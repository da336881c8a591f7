/**
 * A cohort that cannot be extracted as given: a manifest that is missing, malformed or names a
 * case twice. The message names the file, row and case; `context` carries them for a program.
 */
export class ExtractionInputError extends Error {
  readonly code = 'EXTRACTION_INPUT';
  constructor(message: string, readonly context: { manifest?: string; row?: number; caseId?: string } = {}) {
    super(message);
    this.name = 'ExtractionInputError';
  }
}

/** Another running extraction holds the output's lock (`<out>.lock`), so this one must not share its journal. */
export class ExtractionLockedError extends Error {
  readonly code = 'EXTRACTION_LOCKED';
  constructor(message: string, readonly context: { output: string; lock: string; pid?: number }) {
    super(message);
    this.name = 'ExtractionLockedError';
  }
}
