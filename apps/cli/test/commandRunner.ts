import { jest } from '@jest/globals';
import { Command } from 'commander';

/**
 * Runs `fedrad ARGS` in this process with only the given command modules registered, and returns
 * what it wrote to stdout. Errors propagate (commander's exits are thrown, not process.exit).
 */
export async function runCommands(modules: ReadonlyArray<{ register(program: Command): void }>, args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  for (const m of modules) m.register(program);
  let out = '';
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  try {
    await program.parseAsync(['node', 'fedrad', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}
