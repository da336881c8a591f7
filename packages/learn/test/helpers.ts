import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFeatureTable, readOutcomeTable } from '../src/index.js';

export const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** A dataset committed by scripts/fixtures/learn/make-fixtures.R, with R's reference numbers. */
export function dataset(name: string) {
  const text = (f: string) => readFileSync(join(fixturesDir, f), 'utf8');
  return {
    features: readFeatureTable(text(`${name}-features.csv`), `${name}-features.csv`),
    outcome: readOutcomeTable(text(`${name}-outcome.csv`), `${name}-outcome.csv`),
    reference: JSON.parse(text(`${name}-reference.json`)),
  };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expectSameLength(a, b);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function expectSameLength(a: ArrayLike<number>, b: ArrayLike<number>) {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
}
