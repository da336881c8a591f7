import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** apps/coordinator, from src/core/report or dist/core/report alike. */
const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Every file below `dir`, sorted by path. */
function filesBelow(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile())
    .sort();
}

let cached: string | undefined;

/**
 * SHA-256 of the code this coordinator runs (RQS item 16: the code's hash published with the study):
 * its own built files (dist/) and those of every fedrad package it depends on (their dist/), each
 * file by package, path and content, in a fixed order. Computed once per process.
 */
export function coordinatorSourceSha256(): string {
  if (cached) return cached;
  const manifest = JSON.parse(readFileSync(join(APP_DIR, 'package.json'), 'utf8')) as { name: string; dependencies?: Record<string, string> };
  const require = createRequire(join(APP_DIR, 'package.json'));
  // A package's entry is <package>/dist/index.js.
  const packages = Object.keys(manifest.dependencies ?? {}).filter((d) => d.startsWith('@fedrad/')).sort().map((name) => [name, dirname(dirname(require.resolve(name)))] as const);
  const digest = createHash('sha256');
  for (const [name, root] of [[manifest.name, APP_DIR] as const, ...packages]) {
    const dist = join(root, 'dist');
    for (const f of filesBelow(dist)) digest.update(`${name}/${relative(dist, f)}\0${createHash('sha256').update(readFileSync(f)).digest('hex')}\n`);
  }
  return (cached = digest.digest('hex'));
}
