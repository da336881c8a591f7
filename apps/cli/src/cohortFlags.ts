import { spawn } from 'node:child_process';

/**
 * A cohort extraction (`extract --manifest`) runs one worker thread per core, each allocating tens
 * of MB per case. By default V8 hands garbage-collection marking and sweeping to helper threads,
 * which on such a machine only take cores from the other workers: collecting on each worker's own
 * thread cut a 100-case run's CPU by a sixth and took two workers from 1.3× to 1.6× the speed of
 * one (BENCHMARKS.md). V8 also lets the hidden class of an object die once no object of it is
 * alive for two full collections; the per-case result objects then die between cases, and V8 throws
 * away the optimised code built for them and compiles it again (--trace-deopt: "weak objects",
 * about 40 recompiles per worker over 30 cases). Retaining those classes removes that churn.
 * V8 reads such flags when a heap is made, and setting them in a running process crashes V8, so
 * the CLI runs itself again with them.
 */
export const COHORT_V8_FLAGS = ['--single-threaded-gc', '--retain-maps-for-n-gc=1000000'];

/**
 * Runs this CLI invocation again in a child with COHORT_V8_FLAGS when it is a cohort extraction
 * that lacks them, and resolves with the child's exit code; resolves undefined when nothing was
 * re-run (carry on here). FEDRAD_NO_RESPAWN=1 turns this off.
 */
export function rerunWithCohortFlags(argv: readonly string[]): Promise<number | undefined> {
  const cohort = argv[2] === 'extract' && argv.some((a) => a === '--manifest' || a.startsWith('--manifest='));
  const missing = COHORT_V8_FLAGS.filter((f) => !process.execArgv.includes(f));
  if (!cohort || missing.length === 0 || process.env.FEDRAD_NO_RESPAWN) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, ...missing, ...argv.slice(1)], { stdio: 'inherit' });
    // Ctrl-C reaches the child through the terminal's process group; a signal sent to this process
    // alone (a supervisor stopping it) is passed on so the child does not outlive it.
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    child.on('error', () => resolve(undefined)); // could not start: run here, without the flags
    child.on('exit', (code, signal) => {
      for (const [s, h] of handlers) process.off(s, h);
      resolve(code ?? (signal ? 128 + (signalNumbers[signal] ?? 0) : 1));
    });
  });
}

const signalNumbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
