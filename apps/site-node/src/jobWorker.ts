import { parentPort, workerData } from 'node:worker_threads';
import { toErrorReport } from './errorReport.js';
import { runJob } from './jobs/runJob.js';
import type { JobInput, JobOutput } from './jobTypes.js';

// One worker thread per job: whatever happens in here (a throw, a bad table, an onnxruntime
// failure), the daemon only ever sees a JobOutput message or the worker's exit.
async function main(): Promise<void> {
  let output: JobOutput;
  try {
    output = { ok: true, result: await runJob(workerData as JobInput) };
  } catch (error) {
    output = { ok: false, report: toErrorReport(error) };
  }
  parentPort!.postMessage(output);
}

void main();
