/** The bin of each time: the last edge ≤ t (edges ascending), −1 before the first edge (R's findInterval − 1). */
export function binOfTimes(time: ArrayLike<number>, edges: readonly number[]): Int32Array {
  const bins = new Int32Array(time.length);
  for (let i = 0; i < time.length; i++) {
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (edges[mid] <= time[i]) lo = mid + 1;
      else hi = mid;
    }
    bins[i] = lo - 1;
  }
  return bins;
}

/** Per bin, the site's events and the patients leaving the risk set there (events and censored). */
export function binCounts(bins: Int32Array, event: ArrayLike<number>, binCount: number): { events: number[]; leaving: number[] } {
  const events = new Array<number>(binCount).fill(0);
  const leaving = new Array<number>(binCount).fill(0);
  bins.forEach((k, i) => {
    if (k < 0) return;
    leaving[k] += 1;
    if (event[i]) events[k] += 1;
  });
  return { events, leaving };
}

/** The distinct event times, ascending: the exact time points of a stratum. */
export const eventTimes = (time: ArrayLike<number>, event: ArrayLike<number>): number[] =>
  [...new Set(Array.from(time).filter((_, i) => event[i]))].sort((a, b) => a - b);
