export { extractCohort, type CohortExtraction, type CohortExtractionOptions, type CohortOutput, type CohortProgress } from './cohort.js';
export type { CaseProvenance, ExtractOutcome, ExtractTask } from './extractCase.js';
export { contentHash, type ContentHash } from './contentHash.js';
export { extractSingleCase } from './singleCase.js';
export { readManifest } from './manifest.js';
export { caseFingerprint, ExtractJournal, JOURNAL_SUFFIX, type ResumedJournal } from './extractJournal.js';
export { ibsiKeys, toCsv, toIbsiJson, toJson } from './outputFormats.js';
export { writeDurably } from './durableFile.js';
export { ExtractionInputError, ExtractionLockedError } from './errors.js';
