/**
 * Scan-line polygon fill on one slice with the even-odd rule: a pixel centre (i, j) is inside
 * when a ray from it crosses the outline an odd number of times. Each call toggles the pixels
 * it covers, so filling several contours of one plane into the same slice gives their even-odd
 * combination (a contour inside another is a hole), as RTSTRUCT CLOSED_PLANAR contours mean.
 *
 * Boundary convention (half-open, as in most rasterisers): an edge spans rows y0 ≤ j < y1, and a
 * crossing pair [a, b) covers centres a ≤ i < b, so shared edges are never counted twice.
 *
 * xs, ys: vertex coordinates in continuous pixel index units (pixel centres at integers).
 * Returns the number of centres toggled.
 */
export function togglePolygon(
  slice: Uint8Array,
  nx: number,
  ny: number,
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
): number {
  const n = xs.length;
  if (n < 3) return 0;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let v = 0; v < n; v++) {
    if (ys[v] < minY) minY = ys[v];
    if (ys[v] > maxY) maxY = ys[v];
  }
  const j0 = Math.max(0, Math.ceil(minY));
  const j1 = Math.min(ny - 1, Math.floor(maxY));
  const crossings = new Float64Array(n);
  let toggled = 0;
  for (let j = j0; j <= j1; j++) {
    let m = 0;
    for (let v = 0, w = n - 1; v < n; w = v++) {
      const ya = ys[w];
      const yb = ys[v];
      if (ya <= j !== yb <= j) crossings[m++] = xs[w] + ((j - ya) * (xs[v] - xs[w])) / (yb - ya);
    }
    const row = crossings.subarray(0, m).sort();
    for (let c = 0; c + 1 < m; c += 2) {
      const iStart = Math.max(0, Math.ceil(row[c]));
      const iEnd = Math.min(nx, Math.ceil(row[c + 1])); // exclusive
      const base = j * nx;
      for (let i = iStart; i < iEnd; i++) slice[base + i] ^= 1;
      if (iEnd > iStart) toggled += iEnd - iStart;
    }
  }
  return toggled;
}
