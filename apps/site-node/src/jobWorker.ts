import { parentPort } from 'node:worker_threads';
import { localReason, toErrorReport } from '@fedrad/protocol';
import { runJob } from './jobs/runJob.js';
import type { JobInput, JobOutput } from './jobTypes.js';

// A job worker thread: it takes one job at a time from the executor and answers each with a
// JobOutput. Whatever happens inside a job (a throw, a bad table, an onnxruntime failure)
// becomes an error report; a crash of the thread itself ends only this thread.
parentPort!.on('message', async (message: { id: number; input: JobInput }) => {
  let output: JobOutput;
  try {
    output = { ok: true, result: await runJob(message.input) };
  } catch (error) {
    output = { ok: false, report: toErrorReport(error, { localRoots: message.input.localRoots }), localReason: localReason(error) };
  }
  parentPort!.postMessage({ id: message.id, output });
});
