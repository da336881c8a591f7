import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { updateLayout, type TrainRoundParams } from '../src/index.js';

// The reference is the channel contract's own table (apps/coordinator/SITE_CHANNEL.md §6), read from disk.
const doc = readFileSync(new URL('../../../apps/coordinator/SITE_CHANNEL.md', import.meta.url), 'utf8');
const p = 6;
const features = Array.from({ length: p }, (_, j) => `f${j + 1}`);
const layoutOf = (strategy: TrainRoundParams['strategy']) => updateLayout({ kind: 'train-round', strategy, features });

describe('updateLayout', () => {
  it('is the table of SITE_CHANNEL.md §6 (tensor names and shapes per strategy)', () => {
    const rows = doc.split('\n').filter((l) => /^\| `(exact-newton|exact-gradient|fedavg)/.test(l));
    const fromTable = (row: string) => Object.fromEntries([...row.split('|')[4].matchAll(/`([a-z-]+)` \[([^\]]+)\]/g)].map(([, name, shape]) => [name, shape.split(',').map((d) => Function('p', `return ${d}`)(p) as number)]));
    const exact = (strategy: string) => fromTable(rows.find((r) => r.startsWith(`| \`${strategy}\``))!);
    expect(layoutOf('exact-newton')).toEqual(exact('exact-newton'));
    expect(layoutOf('exact-gradient')).toEqual(exact('exact-gradient'));
    // fedavg's row says "same names/shapes as globalParameters", which §6 defines as coef [p + 1].
    expect(rows.find((r) => r.startsWith('| `fedavg`'))).toContain('same names/shapes as `globalParameters`');
    expect(doc).toContain('`{name: "coef", shape: [p + 1]}`');
    expect(layoutOf('fedavg')).toEqual({ coef: [p + 1] });
  });

  it('gives every parameter-averaging strategy the coef layout', () => {
    for (const s of ['fedprox', 'fedadam', 'fedyogi', 'median', 'trimmed-mean'] as const) expect(layoutOf(s)).toEqual({ coef: [p + 1] });
  });
});

describe('updateLayout for Cox stratified by site', () => {
  it('is the cox row of SITE_CHANNEL.md §6: no intercept, and the baseline hazard at the horizons', () => {
    const row = doc.split('\n').find((l) => l.startsWith('| `cox` |'))!;
    const h = 2;
    const fromRow = Object.fromEntries([...row.split('|')[4].matchAll(/`([a-z-]+)` \[([^\]]+)\]/g)].map(([, name, shape]) => [name, shape.split(',').map((d) => Function('p', 'h', `return ${d}`)(p, h) as number)]));
    expect(updateLayout({ kind: 'train-round', strategy: 'exact-newton', features, model: { family: 'cox' }, horizonDays: [365, 730] })).toEqual(fromRow);
    const { 'baseline-hazard': _, ...withoutHorizons } = fromRow;
    expect(updateLayout({ kind: 'train-round', strategy: 'exact-newton', features, model: { family: 'cox' } })).toEqual(withoutHorizons);
  });
});

describe('updateLayout for an MLP', () => {
  it('is the mlp rows of SITE_CHANNEL.md §6: the feature sums in round 0, then the layers and the validation sums', () => {
    const rows = doc.split('\n').filter((l) => l.startsWith('| `mlp` |'));
    const tensorsOf = (row: string) => [...row.split('|')[5].matchAll(/`([A-Za-z0-9-]+)` \[([^\]]+)\]/g)].map(([, name, shape]) => [name, shape]);
    expect(tensorsOf(rows[0])).toEqual([['feature-sum', 'p'], ['feature-sumsq', 'p']]);
    expect(updateLayout({ kind: 'train-round', strategy: 'fedavg', features, model: { family: 'mlp', hiddenLayers: [4, 3] }, round: 0 })).toEqual({ 'feature-sum': [p], 'feature-sumsq': [p] });
    expect(tensorsOf(rows[1])).toEqual([['W0', 'p, h₁'], ['b0', '1, h₁'], ['validation', '2']]);
    // Layer by layer to one output, with the default widths [16] when hiddenLayers is left out.
    expect(updateLayout({ kind: 'train-round', strategy: 'fedprox', features, model: { family: 'mlp', hiddenLayers: [4, 3] }, round: 2 })).toEqual({
      W0: [p, 4], b0: [1, 4], W1: [4, 3], b1: [1, 3], W2: [3, 1], b2: [1, 1], validation: [2],
    });
    expect(updateLayout({ kind: 'train-round', strategy: 'fedavg', features, model: { family: 'mlp' }, round: 1 })).toEqual({ W0: [p, 16], b0: [1, 16], W1: [16, 1], b1: [1, 1], validation: [2] });
  });
});
