import { InvalidParameterError, OneClassError } from './errors.js';
import { FenwickTree } from './fenwick.js';
import { toScores, type Scores } from './inputs.js';
import { toSurvival } from './survivalInputs.js';

export interface ConcordanceCounts {
  concordant: number;
  discordant: number;
  tiedRisk: number;
  /** Weighted comparable pairs = concordant + discordant + tiedRisk. */
  comparable: number;
}

/** Dense ranks 1..R of the risk scores (equal scores share a rank). */
function denseRanks(risk: Float64Array): { ranks: Int32Array; size: number } {
  const sorted = Float64Array.from(risk).sort();
  const distinct: number[] = [];
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]);
  const values = Float64Array.from(distinct);
  const ranks = new Int32Array(risk.length);
  for (let i = 0; i < risk.length; i++) {
    let lo = 0;
    let hi = values.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (values[mid] < risk[i]) lo = mid + 1;
      else hi = mid;
    }
    ranks[i] = lo + 1;
  }
  return { ranks, size: values.length };
}

/**
 * Weighted concordance counts in O(n log n) (no pair loop): patients are visited from the
 * longest to the shortest time; a Fenwick tree over risk ranks holds everyone with a longer
 * time (or censored at the same time — censoring is taken to follow an event at the same
 * time, the convention of R survival::concordance and scikit-survival). An event i is
 * compared with every patient j in the tree: concordant if risk_i > risk_j, discordant if
 * risk_i < risk_j, a tie in risk counts ½. Pairs with tied event times are not comparable.
 * Each pair is weighted eventWeight[i] · rowWeight[i] · rowWeight[j] (row weights are bootstrap
 * multiplicities; event weights are Uno's 1/G(T_i)², 1 for Harrell).
 */
export function concordanceCounts(
  time: Float64Array,
  event: Uint8Array,
  risk: Float64Array,
  eventWeight: (i: number) => number = () => 1,
  rowWeight?: ArrayLike<number>,
): ConcordanceCounts {
  const n = time.length;
  const { ranks, size } = denseRanks(risk);
  const tree = new FenwickTree(size);
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => time[b] - time[a]);
  let concordant = 0;
  let discordant = 0;
  let tiedRisk = 0;
  let inTree = 0;
  for (let k = 0; k < n; ) {
    let end = k;
    while (end < n && time[order[end]] === time[order[k]]) end++;
    // Censored at this time are "still at risk" for the events at this time.
    for (let g = k; g < end; g++) {
      const i = order[g];
      const w = rowWeight ? rowWeight[i] : 1;
      if (!event[i] && w > 0) {
        tree.add(ranks[i], w);
        inTree += w;
      }
    }
    for (let g = k; g < end; g++) {
      const i = order[g];
      const w = rowWeight ? rowWeight[i] : 1;
      if (!event[i] || w === 0 || inTree === 0) continue;
      const weight = w * eventWeight(i);
      const below = tree.prefix(ranks[i] - 1);
      const atOrBelow = tree.prefix(ranks[i]);
      concordant += weight * below;
      tiedRisk += weight * (atOrBelow - below);
      discordant += weight * (inTree - atOrBelow);
    }
    for (let g = k; g < end; g++) {
      const i = order[g];
      const w = rowWeight ? rowWeight[i] : 1;
      if (event[i] && w > 0) {
        tree.add(ranks[i], w);
        inTree += w;
      }
    }
    k = end;
  }
  return { concordant, discordant, tiedRisk, comparable: concordant + discordant + tiedRisk };
}

function cIndex(c: ConcordanceCounts): number {
  return (c.concordant + 0.5 * c.tiedRisk) / c.comparable;
}

function checkEvents(event: Uint8Array, what: string): void {
  let events = 0;
  for (let i = 0; i < event.length; i++) events += event[i];
  if (events === 0) throw new OneClassError(`${what} (no events: every patient is censored)`, 0, event.length);
}

/**
 * Harrell's C (Harrell et al. 1982, JAMA 247:2543): the fraction of comparable pairs in
 * which the patient with the higher risk score has the shorter survival; risk ties ½.
 * Agrees with survival::concordance(Surv(time, event) ~ risk, reverse = TRUE).
 */
export function harrellC(time: Scores, event: ArrayLike<number | boolean>, risk: Scores, rowWeight?: ArrayLike<number>): number {
  const s = toSurvival(time, event);
  const r = toScores(risk, 'risk score');
  checkEvents(s.event, "Harrell's C");
  return cIndex(concordanceCounts(s.time, s.event, r, undefined, rowWeight));
}

/**
 * Kaplan–Meier estimate of the censoring distribution just before each time,
 * G(t−) = Π_{u < t} (1 − c_u / (n_u − d_u)), censorings counted as the "events" (reverse KM).
 * A censoring tied with deaths is taken to happen after them, so the deaths at u leave the
 * censoring risk set first (n_u − d_u) — the convention of R survival's concordance (fastkm1).
 * Returned as a lookup from a patient's row to G(T_i−).
 */
export function censoringSurvivalBefore(time: Float64Array, event: Uint8Array, rowWeight?: ArrayLike<number>): Float64Array {
  const n = time.length;
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => time[a] - time[b]);
  const out = new Float64Array(n);
  let atRisk = 0;
  for (let i = 0; i < n; i++) atRisk += rowWeight ? rowWeight[i] : 1;
  let g = 1;
  for (let k = 0; k < n; ) {
    let end = k;
    let censored = 0;
    let deaths = 0;
    let leaving = 0;
    while (end < n && time[order[end]] === time[order[k]]) {
      const i = order[end];
      const w = rowWeight ? rowWeight[i] : 1;
      out[i] = g;
      leaving += w;
      if (!event[i]) censored += w;
      else deaths += w;
      end++;
    }
    if (censored > 0) g *= 1 - censored / (atRisk - deaths);
    atRisk -= leaving;
    k = end;
  }
  return out;
}

/**
 * Uno's C (Uno et al. 2011, Stat Med 30:1105): concordance with each comparable pair
 * weighted by 1/G(T_i−)², G the Kaplan–Meier estimate of the censoring distribution, which
 * makes the estimate consistent under independent censoring. With τ only events at T_i ≤ τ
 * are ranked (their pairs keep every patient with a longer time).
 * Agrees with survival::concordance(..., reverse = TRUE, timewt = "n/G2"[, ymax = τ]).
 */
export function unoC(time: Scores, event: ArrayLike<number | boolean>, risk: Scores, options: { tau?: number; rowWeight?: ArrayLike<number> } = {}): number {
  const { time: t, event: e } = toSurvival(time, event);
  const r = toScores(risk, 'risk score');
  const tau = options.tau ?? Infinity;
  if (!(tau > 0)) throw new InvalidParameterError('tau', tau, 'a positive truncation time');
  checkEvents(e, "Uno's C");
  const g = censoringSurvivalBefore(t, e, options.rowWeight);
  const counts = concordanceCounts(t, e, r, (i) => (t[i] > tau ? 0 : 1 / (g[i] * g[i])), options.rowWeight);
  if (!(counts.comparable > 0)) throw new OneClassError(`Uno's C (no event at or before tau = ${tau})`, 0, t.length);
  return cIndex(counts);
}
