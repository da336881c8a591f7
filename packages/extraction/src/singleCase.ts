import type { ExtractOutcome, ExtractTask } from './extractCase.js';

/**
 * One case in this thread, failing loudly with the readers' and pipeline's typed errors. The
 * pipeline is imported here on first use, so a program that only runs cohorts (whose workers
 * load it) never loads it in its own thread.
 */
export async function extractSingleCase(task: ExtractTask): Promise<ExtractOutcome> {
  const { extractCase } = await import('./extractCase.js');
  return extractCase(task);
}
