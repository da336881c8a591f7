// Spawning and killing the real `fedrad` processes the end-to-end tests talk to.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const cliMain = join(repoRoot, 'apps/cli/dist/main.js');

export interface FedradProcess {
  name: string;
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

/** Runs `node apps/cli/dist/main.js …args` with its output kept in memory and in logDir/<name>.log. */
export function spawnFedrad(name: string, args: string[], logDir: string): FedradProcess {
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [cliMain, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  let text = '';
  const collect = (chunk: Buffer) => {
    text += chunk.toString();
    log.write(chunk);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => {
    log.end();
    resolve(code ?? signal ?? -1);
  }));
  const kill = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { name, child, output: () => text, exited, kill9: () => kill('SIGKILL'), stop: () => kill('SIGTERM') };
}

/** Runs a fedrad command to completion; rejects with its output when it exits non-zero. */
export async function runFedrad(args: string[], logDir: string, name = args.slice(0, 2).join('-')): Promise<string> {
  const p = spawnFedrad(name, args, logDir);
  const code = await p.exited;
  if (code !== 0) throw new Error(`fedrad ${args.join(' ')} exited with ${code}:\n${p.output()}`);
  return p.output();
}

/** Polls `probe` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      if ((e as { fatal?: boolean }).fatal) throw e;
      lastError = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
