import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CliUsageError } from './errors.js';

/**
 * The files a command names on its command line. A missing or unreadable input, or an output
 * whose folder does not exist, is a usage error naming the flag's file, found before any work
 * (a training run should not end in "ENOENT" when it tries to save).
 */
export function readInputFile(path: string, what: string): Buffer {
  if (!existsSync(path)) throw new CliUsageError(`${what} file not found: ${path}`);
  if (statSync(path).isDirectory()) throw new CliUsageError(`${what} file ${path} is a folder; give the file itself`);
  return readFileSync(path);
}

export const readInputText = (path: string, what: string): string => readInputFile(path, what).toString('utf8');

export function checkOutputPath(path: string, what: string): void {
  const folder = dirname(resolve(path));
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new CliUsageError(`cannot write the ${what} to ${path}: folder ${folder} does not exist`);
}

/** A JSON or YAML document (by its extension), e.g. a campaign protocol; unparsable text is a usage error naming the file. */
export function readDocument(path: string, what: string): unknown {
  const text = readInputText(path, what);
  try {
    return path.endsWith('.yaml') || path.endsWith('.yml') ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new CliUsageError(`${what} file ${path} is not valid ${/\.ya?ml$/.test(path) ? 'YAML' : 'JSON'}: ${(e as Error).message}`);
  }
}
