import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Reads a reference fixture written by scripts/fixtures/stats/*.R. */
export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(here, 'fixtures', name), 'utf8')) as T;
}

export interface SurvivalCase {
  name: string;
  time: number[];
  event: number[];
  risk: number[];
  cutoff: number;
  harrellC: number;
  unoC: number;
  tau?: number;
  unoCTau?: number;
  harrellCTau?: number;
  harrellCounts: { concordant: number; discordant: number; 'tied.x': number; 'tied.y': number };
  kaplanMeier: Record<'all' | 'high' | 'low', { times: number[]; survival: number[]; stdErr: number[]; lower: number[]; upper: number[]; atRisk: number[] }>;
  logRank: { chiSquare: number; df: number; pValue: number; observedHigh: number; expectedHigh: number };
}

export interface Interval3 {
  estimate: number;
  lower: number;
  upper: number;
}

export interface BinaryCase {
  name: string;
  labels: number[];
  scores: number[];
  baseline: number[];
  threshold: number;
  auc: number;
  aucVariance: number;
  aucCi: [number, number];
  baselineAuc: number;
  baselineAucVariance: number;
  baselineAucCi: [number, number];
  pairedDelong: { z: number; pValue: number; diffCi: [number, number] };
  valProb: { intercept: number; slope: number; brier: number };
  calibrationInTheLarge: Interval3;
  calibrationSlope: Interval3;
  recalibrationIntercept: Interval3;
  brier: number;
  scaledBrier: number;
  hosmerLemeshow: { statistic: number; df: number; pValue: number; groups: number; observed: number[]; expected: number[]; counts: number[] };
  lowess: { x: number[]; y: number[] };
  confusion: { tp: number; fp: number; tn: number; fn: number };
  sensitivity: Interval3;
  specificity: Interval3;
  ppv: Interval3;
  npv: Interval3;
  accuracy: Interval3;
  decisionCurve: { thresholds: number[]; model: number[]; treatAll: number[] };
}

export interface BinaryFixture {
  datasets: BinaryCase[];
  unpairedDelong: { first: string; second: string; statistic: number; df: number; pValue: number };
}
