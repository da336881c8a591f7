/** Binary indexed tree (Fenwick 1994) of weights over ranks 1..size: add and prefix sums in O(log n). */
export class FenwickTree {
  private readonly tree: Float64Array;

  constructor(readonly size: number) {
    this.tree = new Float64Array(size + 1);
  }

  add(rank: number, weight: number): void {
    for (let i = rank; i <= this.size; i += i & -i) this.tree[i] += weight;
  }

  /** Sum of weights at ranks 1..rank. */
  prefix(rank: number): number {
    let s = 0;
    for (let i = rank; i > 0; i -= i & -i) s += this.tree[i];
    return s;
  }
}
