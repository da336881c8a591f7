import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { FeatureConfig } from '@fedrad/protocol';
import { Piscina } from 'piscina';
import { writeDurably } from './durableFile.js';
import type { ExtractOutcome, ExtractTask } from './extractCase.js';
import { caseFingerprint, ExtractJournal, JOURNAL_SUFFIX } from './extractJournal.js';

// The pipeline (imaging, radiomics) is loaded by extractCase.ts in each worker, not here, so the
// calling thread starts its workers without it.
const CASE_MODULE = caseModule();

/**
 * The compiled case module next to this one; when this module runs from its TypeScript source
 * (a dependant's tests), the built one in dist/ — a worker thread cannot load TypeScript.
 */
function caseModule(): URL {
  const beside = new URL('./extractCase.js', import.meta.url);
  return existsSync(fileURLToPath(beside)) ? beside : new URL('../dist/extractCase.js', import.meta.url);
}

/** Where a cohort extraction stands, after each finished case (and once before the first). */
export interface CohortProgress {
  /** Cases in the cohort. */
  total: number;
  /** Cases finished, the ones taken from the journal included. */
  done: number;
  /** Cases taken from an earlier run's journal. */
  reused: number;
  /** Cases that failed so far. */
  failed: number;
  /** Milliseconds since the workers started on the first case. */
  elapsedMs: number;
}

/** The output file of a cohort: its journal and lock sit beside it. */
export interface CohortOutput {
  path: string;
  /** The file's text from every case's outcome, in manifest order (e.g. toCsv). */
  render(outcomes: readonly ExtractOutcome[]): string;
}

export interface CohortExtractionOptions {
  /** The cases, in output order (readManifest gives them); their `config` is set from `config`. */
  tasks: readonly ExtractTask[];
  /** The feature config; a promise lets the workers start loading the pipeline while it is read. */
  config: FeatureConfig | Promise<FeatureConfig>;
  /** Worker threads (default: one per core), never more than cases. */
  workers?: number;
  /**
   * Journal every finished case beside this output and write the output durably at the end:
   * a killed run loses nothing, and the same call again extracts only the cases missing or
   * failed. Without it nothing is written to disk.
   */
  output?: CohortOutput;
  /** Ignore the journal an earlier run left beside the output. */
  fresh?: boolean;
  /** name@version of the calling program, recorded in the journal (another version: extract again). */
  caller?: string;
  onProgress?: (progress: CohortProgress) => void;
  /** Messages for a person: what happened to an earlier journal, how to retry failed cases. */
  onNotice?: (message: string) => void;
}

export interface CohortExtraction {
  /** One outcome per task, in task order; a failed case carries its error code and message. */
  outcomes: ExtractOutcome[];
  failed: number;
  /** The output's text, when `output` was given. */
  text?: string;
}

/**
 * Extracts a cohort in a pool of worker threads. A failing case (unreadable file, empty ROI, a
 * worker that died) becomes a failed outcome and the rest continue; errors of the run itself
 * (the journal's lock held by another run, an invalid config) are thrown.
 */
export async function extractCohort(options: CohortExtractionOptions): Promise<CohortExtraction> {
  const { output } = options;
  const tasks = options.tasks.map((t) => ({ ...t }));
  const pool = startPool(tasks.length, options.workers);
  let journal: ExtractJournal | undefined;
  let reused = new Map<string, ExtractOutcome>();
  try {
    const config = await options.config;
    for (const t of tasks) t.config = config;
    if (output) {
      const opened = ExtractJournal.open(output.path, config, tasks, options.fresh ?? false, options.caller);
      journal = opened.journal;
      reused = opened.reused;
      if (opened.notice) options.onNotice?.(opened.notice);
    }
  } catch (e) {
    await pool.destroy();
    throw e;
  }
  let outcomes: ExtractOutcome[];
  try {
    outcomes = await runPool(pool, tasks, reused, journal, options.onProgress); // destroys the pool
  } catch (e) {
    journal?.close(false);
    throw e;
  }
  const failed = outcomes.filter((r) => !r.ok).length;
  if (!output) return { outcomes, failed };
  const text = output.render(outcomes);
  // The journal goes only once the output is on disk; with failed cases it stays for a retry.
  writeDurably(output.path, text);
  journal?.close(failed === 0);
  if (failed > 0) options.onNotice?.(`run the same command again to retry only the failed case(s); the others are kept in ${output.path}${JOURNAL_SUFFIX}`);
  return { outcomes, failed, text };
}

/**
 * piscina's worker first tries `require()` on the case module, an ES module. Node 20.19+ lets
 * require() load ES modules, and doing so in a worker thread intermittently aborts the whole
 * process (a failed assertion in ModuleWrap::CreateRequiredModuleFacade, seen in CI). With
 * require(esm) off in the workers, that require() throws and piscina takes its import() path.
 */
// Only this flag: a worker refuses the process-wide V8 flags `fedrad extract` re-runs itself with
// (--single-threaded-gc, …), which apply to its threads anyway.
const WORKER_EXEC_ARGV = process.allowedNodeEnvironmentFlags.has('--experimental-require-module') ? ['--no-experimental-require-module'] : [];

/** The worker-thread pool for a cohort: one thread per core unless told, never more than cases. */
function startPool(caseCount: number, workers: number | undefined): Piscina<ExtractTask, ExtractOutcome> {
  const threads = Math.max(1, Math.min(workers ?? availableParallelism(), caseCount));
  return new Piscina<ExtractTask, ExtractOutcome>({ filename: CASE_MODULE.href, minThreads: threads, maxThreads: threads, idleTimeout: 1000, execArgv: WORKER_EXEC_ARGV });
}

/**
 * Runs the cases not in `reused` through the pool, recording each in the journal as it ends;
 * returns every case's outcome in task order.
 */
async function runPool(
  pool: Piscina<ExtractTask, ExtractOutcome>, tasks: ExtractTask[],
  reused: ReadonlyMap<string, ExtractOutcome>, journal: ExtractJournal | undefined,
  onProgress: ((p: CohortProgress) => void) | undefined,
): Promise<ExtractOutcome[]> {
  const started = Date.now();
  let done = reused.size, failed = 0;
  const report = () => onProgress?.({ total: tasks.length, done, reused: reused.size, failed, elapsedMs: Date.now() - started });
  report();
  try {
    return await Promise.all(
      tasks.map(async (task) => {
        const earlier = reused.get(task.id);
        if (earlier) return earlier;
        const fingerprint = journal && caseFingerprint(task);
        let outcome: ExtractOutcome;
        try {
          outcome = await pool.run(task);
        } catch (e) {
          // A worker that died (out of memory, native crash) still reports its case.
          outcome = { id: task.id, ok: false, code: 'WORKER_FAILED', message: (e as Error).message };
        }
        if (journal && fingerprint) journal.record(fingerprint, outcome);
        done++;
        if (!outcome.ok) failed++;
        report();
        return outcome;
      }),
    );
  } finally {
    await pool.destroy();
  }
}
