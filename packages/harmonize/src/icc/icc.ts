import { ConstantFeatureError, HarmonizeInputError } from '../errors.js';
import type { FeatureRows } from '../siteRows.js';
import { iccFromAnova, type IccAnova, type IccEstimate, type IccForm } from './iccForms.js';
import { alignReaders, type ReaderTable } from './readerTable.js';

/** One feature's reproducibility: its ANOVA and every ICC form with its interval. */
export interface IccFeatureResult {
  feature: string;
  anova: IccAnova;
  forms: Record<IccForm, IccEstimate>;
}

export interface IccOptions {
  /** Confidence level of the intervals (default 0.95). */
  confidence?: number;
}

/**
 * The pooled ICC of every feature from k ≥ 2 measurements of the same cases (the centralised
 * reference of the federated pair): the two-way ANOVA computed directly from the cells.
 */
export function icc(readers: readonly FeatureRows[], options: IccOptions = {}): IccFeatureResult[] {
  return iccOfTable(alignReaders(readers), options);
}

export function iccOfTable(table: ReaderTable, options: IccOptions = {}): IccFeatureResult[] {
  const n = table.ids.length;
  const k = table.readerCount;
  const p = table.featureNames.length;
  if (n < 2) throw new HarmonizeInputError(`An ICC needs at least 2 cases; got ${n}.`, { expected: 'at least 2 cases', found: `${n}` });
  const at = (i: number, r: number, f: number) => table.values[(i * k + r) * p + f];
  return table.featureNames.map((feature, f) => {
    let grand = 0;
    const caseMean = new Float64Array(n);
    const readerMean = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      for (let r = 0; r < k; r++) {
        const x = at(i, r, f);
        caseMean[i] += x / k;
        readerMean[r] += x / n;
        grand += x;
      }
    }
    grand /= n * k;
    let betweenCases = 0;
    let withinCases = 0;
    for (let i = 0; i < n; i++) {
      betweenCases += k * (caseMean[i] - grand) ** 2;
      for (let r = 0; r < k; r++) withinCases += (at(i, r, f) - caseMean[i]) ** 2;
    }
    let betweenReaders = 0;
    for (let r = 0; r < k; r++) betweenReaders += n * (readerMean[r] - grand) ** 2;
    const anova: IccAnova = { n, k, betweenCases, betweenReaders, withinCases };
    return { feature, anova, forms: formsOf(feature, anova, options) };
  });
}

/** The forms of one feature; a feature with no variation at all has no ICC (0/0) and is refused by name. */
export function formsOf(feature: string, anova: IccAnova, options: IccOptions): Record<IccForm, IccEstimate> {
  if (anova.betweenCases + anova.withinCases === 0) throw new ConstantFeatureError(feature, 'over every case and reader');
  return iccFromAnova(anova, options.confidence ?? 0.95);
}
