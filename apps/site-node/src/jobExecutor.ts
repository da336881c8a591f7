import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ErrorReport } from '@fedrad/protocol';
import type { JobInput, JobOutput } from './jobTypes.js';

/**
 * Runs jobs in worker threads, at most `concurrency` at a time, so that a job can never take
 * the daemon down: a throw, a crash or a runaway allocation ends only its worker, and the
 * caller always gets a JobOutput — the result, or an error report.
 */
export class JobExecutor {
  private running = 0;
  private readonly queue: Array<() => void> = [];
  private readonly workers = new Set<Worker>();

  constructor(
    private readonly options: { concurrency: number; workerScript?: string; memoryLimitMb?: number } = { concurrency: 1 },
  ) {}

  async run(input: JobInput, deadline?: Date): Promise<JobOutput> {
    await this.slot();
    try {
      return await this.runInWorker(input, deadline);
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }

  /** Ends every running worker (daemon shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.workers].map((w) => w.terminate()));
  }

  private slot(): Promise<void> {
    if (this.running < this.options.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(() => {
      this.running++;
      resolve();
    }));
  }

  private runInWorker(input: JobInput, deadline?: Date): Promise<JobOutput> {
    return new Promise((resolve) => {
      const worker = new Worker(this.options.workerScript ?? defaultWorkerScript(), {
        workerData: input,
        resourceLimits: { maxOldGenerationSizeMb: this.options.memoryLimitMb ?? 4096 },
        stdout: false,
        stderr: false,
      });
      this.workers.add(worker);
      let settled = false;
      const finish = (output: JobOutput) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        this.workers.delete(worker);
        void worker.terminate();
        resolve(output);
      };
      const fail = (report: ErrorReport) => finish({ ok: false, report });
      const ms = deadline ? deadline.getTime() - Date.now() : undefined;
      const timer = ms !== undefined
        ? setTimeout(() => fail({ type: 'error-report', code: 'JOB_DEADLINE', message: `The job did not finish before its deadline (${deadline!.toISOString()}).`, retryable: true }), Math.max(ms, 0))
        : undefined;
      worker.on('message', (output: JobOutput) => finish(output));
      worker.on('error', (error) => fail({
        type: 'error-report',
        code: 'JOB_CRASHED',
        message: `The job's worker thread failed: ${String((error as Error)?.message ?? error).split('\n')[0].slice(0, 500)}`,
        retryable: true,
      }));
      worker.on('exit', (code) => fail({
        type: 'error-report',
        code: 'JOB_CRASHED',
        message: `The job's worker thread exited (code ${code}) before answering.`,
        retryable: true,
      }));
    });
  }
}

/**
 * The compiled worker next to this module; when running from sources (tests), the built one
 * in dist/ — a worker thread cannot load TypeScript.
 */
function defaultWorkerScript(): string {
  const here = fileURLToPath(new URL('./jobWorker.js', import.meta.url));
  if (existsSync(here)) return here;
  const built = fileURLToPath(new URL('../dist/jobWorker.js', import.meta.url));
  return built;
}
