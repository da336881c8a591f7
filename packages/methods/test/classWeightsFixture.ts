import { readFileSync } from 'node:fs';
import type { TrainingRows } from '../src/index.js';

/**
 * One imbalanced cohort split at random over three sites, with R's pooled logistic fits with the
 * balanced case weights n / (2 n_class) and without them (scripts/fixtures/methods/fedavg-class-weights.R):
 * the reference of the class-weight tests of every strategy.
 */
export const ref = JSON.parse(readFileSync(new URL('./fixtures/fedavg-class-weights.json', import.meta.url), 'utf8')) as {
  sites: Record<string, { x: number[][]; y: number[] }>;
  counts: { sampleCount: number; positiveCount: number };
  weights: { positive: number; negative: number };
  balanced: number[];
  unweighted: number[];
};
export const featureNames = ['f1', 'f2', 'f3'];
export const rowsOf = (d: { x: number[][]; y: number[] }): TrainingRows => ({ featureNames, x: Float64Array.from(d.x.flat()), label: Float64Array.from(d.y) });
/** Each site's rows, by site id. */
export const partitions = new Map<string, TrainingRows>(Object.entries(ref.sites).map(([s, d]) => [s, rowsOf(d)]));
