import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ErrorReport } from '@fedrad/protocol';
import type { JobInput, JobOutput } from './jobTypes.js';

/**
 * Runs jobs in worker threads, at most `concurrency` at a time, so that a job can never take
 * the daemon down: a throw, a crash or a runaway allocation ends only its worker, and the
 * caller always gets a JobOutput — the result, or an error report. Workers are kept warm
 * between jobs (loading onnxruntime and the learning engine is most of a small job's time);
 * a worker that failed or overran its deadline is discarded and a fresh one takes its place.
 */
export class JobExecutor {
  private running = 0;
  private readonly queue: Array<() => void> = [];
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  private nextId = 1;

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

  /** Ends every worker (daemon shutdown). */
  async close(): Promise<void> {
    this.idle.length = 0;
    await Promise.all([...this.all].map((w) => w.terminate()));
    this.all.clear();
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

  private acquire(): Worker {
    const warm = this.idle.pop();
    if (warm) {
      warm.ref();
      return warm;
    }
    const worker = new Worker(this.options.workerScript ?? defaultWorkerScript(), {
      resourceLimits: { maxOldGenerationSizeMb: this.options.memoryLimitMb ?? 4096 },
      stdout: false,
      stderr: false,
    });
    this.all.add(worker);
    return worker;
  }

  private discard(worker: Worker): void {
    this.all.delete(worker);
    void worker.terminate();
  }

  private runInWorker(input: JobInput, deadline?: Date): Promise<JobOutput> {
    return new Promise((resolve) => {
      const worker = this.acquire();
      const id = this.nextId++;
      let settled = false;
      const cleanup = () => {
        if (timer) clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const fail = (report: ErrorReport) => {
        if (settled) return;
        settled = true;
        cleanup();
        this.discard(worker);
        resolve({ ok: false, report });
      };
      const onMessage = (message: { id: number; output: JobOutput }) => {
        if (settled || message?.id !== id) return;
        settled = true;
        cleanup();
        // Idle workers must not keep the daemon's process alive on their own.
        worker.unref();
        this.idle.push(worker);
        resolve(message.output);
      };
      const onError = (error: unknown) => fail({
        type: 'error-report',
        code: 'JOB_CRASHED',
        message: `The job's worker thread failed: ${String((error as Error)?.message ?? error).split('\n')[0].slice(0, 500)}`,
        retryable: true,
      });
      const onExit = (code: number) => fail({
        type: 'error-report',
        code: 'JOB_CRASHED',
        message: `The job's worker thread exited (code ${code}) before answering.`,
        retryable: true,
      });
      const ms = deadline ? deadline.getTime() - Date.now() : undefined;
      const timer = ms !== undefined
        ? setTimeout(() => fail({ type: 'error-report', code: 'JOB_DEADLINE', message: `The job did not finish before its deadline (${deadline!.toISOString()}).`, retryable: true }), Math.max(ms, 0))
        : undefined;
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage({ id, input });
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
  return fileURLToPath(new URL('../dist/jobWorker.js', import.meta.url));
}
