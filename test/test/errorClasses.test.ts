import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODE_PATTERN, FedRadError } from '@fedrad/protocol';
import { repoRoot } from './processes.js';

// Every error class any workspace exports must extend FedRadError (so the error report, the CLI's
// exit code and the API's error all read one shape) and carry a code that can cross the wire.
// The workspaces are read from the root package.json, so a new package is walked without an edit here.

type ErrorClass = new (...args: unknown[]) => Error;

function workspacePackages(): string[] {
  const root = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { workspaces: string[] };
  return root.workspaces
    .map((dir) => JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8')) as { name: string; main?: string })
    .filter((pkg) => pkg.main !== undefined)
    .map((pkg) => pkg.name);
}

async function exportedErrorClasses(): Promise<Map<ErrorClass, string>> {
  const found = new Map<ErrorClass, string>();
  for (const name of workspacePackages()) {
    const mod = (await import(name)) as Record<string, unknown>;
    for (const [exported, value] of Object.entries(mod)) {
      if (typeof value === 'function' && value.prototype instanceof Error && !found.has(value as ErrorClass)) found.set(value as ErrorClass, `${name}: ${exported}`);
    }
  }
  return found;
}

/**
 * A stand-in for any constructor argument: a string where one is printed, a number where one is
 * compared, and itself for any property or call (`.map(…)`, `.join(…)`, `.toISOString()`).
 */
function anything(): unknown {
  const target = function () {};
  const proxy: unknown = new Proxy(target, {
    get: (_t, key) => (key === Symbol.toPrimitive ? (hint: string) => (hint === 'number' ? 1 : 'certificate') : key === Symbol.iterator ? [][Symbol.iterator] : proxy),
    apply: () => proxy,
  });
  return proxy;
}

/** An instance made with stand-in arguments; a class whose code is its caller's gets a valid one first. */
function instanceOf(cls: ErrorClass): { error?: Error; codeFromCaller: boolean; failure?: unknown } {
  const args = Array.from({ length: Math.max(cls.length, 6) }, anything);
  try {
    return { error: new cls(...args), codeFromCaller: false };
  } catch (first) {
    try {
      return { error: new cls('WALKED_CODE', ...args.slice(1)), codeFromCaller: true };
    } catch {
      return { codeFromCaller: false, failure: first };
    }
  }
}

describe('every exported error class', () => {
  it('extends FedRadError and has a code matching the error-report pattern', async () => {
    const classes = await exportedErrorClasses();
    expect(classes.size).toBeGreaterThan(60); // the walk really reached every package
    const notOnBase = [...classes].filter(([cls]) => !(cls.prototype instanceof FedRadError) && cls !== FedRadError).map(([, where]) => where);
    expect(notOnBase).toEqual([]);

    const badCodes: string[] = [];
    const unconstructed: string[] = [];
    for (const [cls, where] of classes) {
      const { error, codeFromCaller, failure } = instanceOf(cls);
      if (!error) {
        unconstructed.push(`${where} (${(failure as Error).message})`);
        continue;
      }
      const code = (error as FedRadError).code;
      if (!ERROR_CODE_PATTERN.test(code) || (codeFromCaller && code !== 'WALKED_CODE')) badCodes.push(`${where}: ${code}`);
      expect(error).toBeInstanceOf(FedRadError);
      expect(error.name).toBe(cls.name);
    }
    expect(badCodes).toEqual([]);
    // Constructors with stand-in arguments cannot fail on their code: the base refuses a bad code with a TypeError.
    expect(unconstructed).toEqual([]);
  });

  it('a class that builds a bad code cannot even be constructed', () => {
    class Careless extends FedRadError {
      constructor() {
        super('careless-code', 'x');
      }
    }
    expect(() => new Careless()).toThrow(/does not match/);
  });
});
