import type { ConvexHull } from './convexHullTypes.js';

/**
 * Convex hull of mesh vertices given on the half-voxel lattice (integer coordinates X, Y, Z with
 * mm position ((X − 1)/2)·s_x etc., as hullCandidateLattice gives them), by Quickhull (Barber,
 * Dobkin & Huhdanpaa 1996): every point waits in the outside set of one face it lies beyond; the
 * farthest point of a face's set is added, the faces it sees go, a cone to their horizon comes,
 * and the waiting points of the removed faces move to a new face they lie beyond, or are inside.
 *
 * All orientation tests are exact: coordinates are small integers, so every plane test is an
 * integer computation far below 2^53. "Beyond" is strict, so points on the hull's boundary (in a
 * face's plane) are never added and need no tolerance, unlike the floating-point original. Faces
 * in one plane (voxel hulls have many) are then grouped by their exact integer normal into the
 * hull's polygon faces, whose outward unit normals and areas the oriented bounding box uses.
 * Returns null when the points span no volume (the caller falls back to the general hull).
 * The native kernel takes the same Quickhull steps in the same order (the same faces, facets and
 * vertices); both are RadiomicsKernels.latticeConvexHull.
 */
export function latticeConvexHullTs(lattice: Int32Array, spacing: readonly [number, number, number]): ConvexHull | null {
  const n = lattice.length / 3;
  if (n < 4 || !withinExactRange(lattice)) return null;
  const seed = initialSimplex(lattice, n);
  if (!seed) return null;
  const h = (builder ??= new HullBuilder()).reset(lattice, n);
  h.start(seed);
  h.run();
  return h.measure(spacing);
}

/**
 * One builder, reused case after case. Built anew for each case, its instances' hidden class
 * died between cases (V8 holds class transitions weakly), and V8 threw away and recompiled
 * every optimised HullBuilder method in every worker, 50-75 ms of compiling each time.
 */
let builder: HullBuilder | undefined;

/**
 * Largest coordinate magnitude for which every plane and orientation test here is exact in
 * doubles: with |X| ≤ B, a triple product is at most 48·B³, below 2^53 for B = 2^15 (lattices of
 * ROIs up to 16,383 voxels along an axis). Beyond it the caller takes the general hull.
 */
export const LATTICE_EXACT_RANGE = 2 ** 15;

function withinExactRange(lattice: Int32Array): boolean {
  for (let i = 0; i < lattice.length; i++) if (lattice[i] > LATTICE_EXACT_RANGE || lattice[i] < -LATTICE_EXACT_RANGE) return false;
  return true;
}

/** Four points spanning a tetrahedron (extremes first, so most later points fall inside), or null. */
function initialSimplex(L: Int32Array, n: number): [number, number, number, number] | null {
  let a = 0;
  for (let i = 1; i < n; i++) if (L[3 * i] < L[3 * a]) a = i;
  let b = -1, best = 0;
  for (let i = 0; i < n; i++) {
    const d = (L[3 * i] - L[3 * a]) ** 2 + (L[3 * i + 1] - L[3 * a + 1]) ** 2 + (L[3 * i + 2] - L[3 * a + 2]) ** 2;
    if (d > best) { best = d; b = i; }
  }
  if (b < 0) return null;
  let c = -1;
  best = 0;
  for (let i = 0; i < n; i++) {
    const ux = L[3 * b] - L[3 * a], uy = L[3 * b + 1] - L[3 * a + 1], uz = L[3 * b + 2] - L[3 * a + 2];
    const vx = L[3 * i] - L[3 * a], vy = L[3 * i + 1] - L[3 * a + 1], vz = L[3 * i + 2] - L[3 * a + 2];
    const d = (uy * vz - uz * vy) ** 2 + (uz * vx - ux * vz) ** 2 + (ux * vy - uy * vx) ** 2;
    if (d > best) { best = d; c = i; }
  }
  if (c < 0) return null;
  let d = -1;
  best = 0;
  for (let i = 0; i < n; i++) {
    const o = Math.abs(orient(L, a, b, c, i));
    if (o > best) { best = o; d = i; }
  }
  return d < 0 ? null : [a, b, c, d];
}

/** det[b − a, c − a, p − a]: positive when p is on the side the normal (b − a) × (c − a) points to. */
function orient(L: Int32Array, a: number, b: number, c: number, p: number): number {
  const ax = L[3 * a], ay = L[3 * a + 1], az = L[3 * a + 2];
  const ux = L[3 * b] - ax, uy = L[3 * b + 1] - ay, uz = L[3 * b + 2] - az;
  const vx = L[3 * c] - ax, vy = L[3 * c + 1] - ay, vz = L[3 * c + 2] - az;
  const wx = L[3 * p] - ax, wy = L[3 * p + 1] - ay, wz = L[3 * p + 2] - az;
  return wx * (uy * vz - uz * vy) + wy * (uz * vx - ux * vz) + wz * (ux * vy - uy * vx);
}

/**
 * Triangles (a, b, c) counter-clockwise seen from outside, in growable typed arrays; `edgeFace`
 * maps each directed edge a→b to the live face that has it, so the horizon is found by walking
 * from one visible face to its neighbours.
 */
class HullBuilder {
  private fa = new Int32Array(256);
  private fb = new Int32Array(256);
  private fc = new Int32Array(256);
  private alive = new Uint8Array(256);
  private visibleMark = new Int32Array(256);
  // Each face's plane N·x = d with N = (b − a) × (c − a): all integers, so N·p > d is exact.
  private pnx = new Float64Array(256);
  private pny = new Float64Array(256);
  private pnz = new Float64Array(256);
  private pd = new Float64Array(256);
  private faces = 0;
  private readonly edgeFace = new Map<number, number>();
  private stamp = 0;
  private stack: number[] = [];
  private horizon: number[] = [];
  private outside: Array<number[] | undefined> = [];
  private L: Int32Array = new Int32Array(0);
  private n = 0;

  /** Empties the builder for the points L (its arrays keep their size). */
  reset(L: Int32Array, n: number): this {
    this.L = L;
    this.n = n;
    this.faces = 0;
    this.edgeFace.clear();
    this.stack.length = 0;
    this.horizon.length = 0;
    this.outside.length = 0;
    if (this.stamp > 2 ** 30) { // visibleMark is an Int32Array: start the stamps over well before they wrap
      this.visibleMark.fill(0);
      this.stamp = 0;
    }
    return this;
  }

  start([a, b, c, d]: [number, number, number, number]): void {
    // Orient the first face away from d, then the other three around it.
    if (orient(this.L, a, b, c, d) > 0) [b, c] = [c, b];
    this.addFace(a, b, c);
    this.addFace(a, d, b);
    this.addFace(b, d, c);
    this.addFace(c, d, a);
  }

  /** Outside sets of the first simplex, then eyes added until no face has points beyond it. */
  run(): void {
    const seed = new Set([this.fa[0], this.fb[0], this.fc[0], this.fb[1]]);
    const all: number[] = [];
    for (let p = 0; p < this.n; p++) if (!seed.has(p)) all.push(p);
    this.assign(all, 0);
    for (let f = 0; f < this.faces; f++) {
      const set = this.outside[f];
      if (this.alive[f] && set && set.length > 0) this.addEye(f, set);
    }
  }

  /** Puts each point in the outside set of the first face from `firstFace` on that it lies beyond; drops the rest (inside). */
  private assign(points: number[], firstFace: number): void {
    for (const p of points) {
      for (let f = firstFace; f < this.faces; f++) {
        if (this.alive[f] && this.beyond(f, p)) {
          (this.outside[f] ??= []).push(p);
          break;
        }
      }
    }
  }

  /** Adds the farthest point of face f's outside set; its visible faces' waiting points are reassigned. */
  private addEye(f: number, set: number[]): void {
    const { L, pnx, pny, pnz, pd } = this;
    let eye = set[0], far = -Infinity;
    for (const p of set) {
      const h = pnx[f] * L[3 * p] + pny[f] * L[3 * p + 1] + pnz[f] * L[3 * p + 2] - pd[f];
      if (h > far) { far = h; eye = p; }
    }
    const stamp = ++this.stamp;
    const { stack, horizon } = this;
    stack.length = 0;
    horizon.length = 0;
    stack.push(f);
    this.visibleMark[f] = stamp;
    const visible: number[] = [];
    while (stack.length > 0) {
      const g = stack.pop()!;
      visible.push(g);
      const a = this.fa[g], b = this.fb[g], c = this.fc[g];
      for (let e = 0; e < 3; e++) {
        const u = e === 0 ? a : e === 1 ? b : c, v = e === 0 ? b : e === 1 ? c : a;
        const h = this.edgeFace.get(v * this.n + u)!; // the neighbour across edge u→v has v→u
        if (this.visibleMark[h] === stamp) continue;
        if (this.beyond(h, eye)) {
          this.visibleMark[h] = stamp;
          stack.push(h);
        } else {
          horizon.push(u, v);
        }
      }
    }
    const waiting: number[] = [];
    for (const g of visible) {
      for (const p of this.outside[g] ?? []) if (p !== eye) waiting.push(p);
      this.outside[g] = undefined;
      this.removeFace(g);
    }
    const firstNew = this.faces;
    for (let k = 0; k < horizon.length; k += 2) this.addFace(horizon[k], horizon[k + 1], eye);
    this.assign(waiting, firstNew);
  }

  private beyond(f: number, p: number): boolean {
    const L = this.L;
    return this.pnx[f] * L[3 * p] + this.pny[f] * L[3 * p + 1] + this.pnz[f] * L[3 * p + 2] > this.pd[f];
  }

  private addFace(a: number, b: number, c: number): void {
    if (this.faces === this.fa.length) this.grow();
    const f = this.faces++;
    this.fa[f] = a; this.fb[f] = b; this.fc[f] = c;
    this.alive[f] = 1;
    const L = this.L;
    const ux = L[3 * b] - L[3 * a], uy = L[3 * b + 1] - L[3 * a + 1], uz = L[3 * b + 2] - L[3 * a + 2];
    const vx = L[3 * c] - L[3 * a], vy = L[3 * c + 1] - L[3 * a + 1], vz = L[3 * c + 2] - L[3 * a + 2];
    const nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
    this.pnx[f] = nx; this.pny[f] = ny; this.pnz[f] = nz;
    this.pd[f] = nx * L[3 * a] + ny * L[3 * a + 1] + nz * L[3 * a + 2];
    this.edgeFace.set(a * this.n + b, f);
    this.edgeFace.set(b * this.n + c, f);
    this.edgeFace.set(c * this.n + a, f);
  }

  private removeFace(f: number): void {
    this.alive[f] = 0;
    const a = this.fa[f], b = this.fb[f], c = this.fc[f];
    // An edge may already belong to a new face; delete only this face's own entries.
    for (const key of [a * this.n + b, b * this.n + c, c * this.n + a]) if (this.edgeFace.get(key) === f) this.edgeFace.delete(key);
  }

  private grow(): void {
    const size = 2 * this.fa.length;
    const widen = <T extends Int32Array | Uint8Array | Float64Array>(old: T): T => {
      const next = new (old.constructor as new (n: number) => T)(size);
      next.set(old);
      return next;
    };
    this.fa = widen(this.fa);
    this.fb = widen(this.fb);
    this.fc = widen(this.fc);
    this.alive = widen(this.alive);
    this.visibleMark = widen(this.visibleMark);
    this.pnx = widen(this.pnx);
    this.pny = widen(this.pny);
    this.pnz = widen(this.pnz);
    this.pd = widen(this.pd);
  }

  /**
   * Volume, area, polygon faces and extreme vertices in mm. Lattice unit vectors are half a voxel:
   * an integer normal N becomes (N_x s_y s_z, N_y s_x s_z, N_z s_x s_y)/4 in mm², and an integer
   * triple product T becomes T·s_x s_y s_z/8 mm³. Typed arrays only (no string-keyed maps or
   * per-vertex sets): this runs once per case, and its compiled code is then small and stable.
   */
  measure(spacing: readonly [number, number, number]): ConvexHull {
    const { L, fa, alive, pnx, pny, pnz } = this;
    const [sx, sy, sz] = spacing;
    const scaleX = (sy * sz) / 4, scaleY = (sx * sz) / 4, scaleZ = (sx * sy) / 4;
    const apex = this.volumeApex();
    const cx = apex[0], cy = apex[1], cz = apex[2];
    const facetOf = this.labelFacets();
    let facetCount = 0;
    for (let f = 0; f < this.faces; f++) if (facetOf[f] >= facetCount) facetCount = facetOf[f] + 1;
    const normals = new Float64Array(3 * facetCount);
    const faceAreas = new Float64Array(facetCount);
    let volume6 = 0, area2 = 0, seen = 0;
    for (let f = 0; f < this.faces; f++) {
      if (!alive[f]) continue;
      const a = fa[f];
      const Nx = pnx[f], Ny = pny[f], Nz = pnz[f]; // (b − a) × (c − a), stored when the face was made
      // Tetrahedron (apex, a, b, c), signed: N · (a − apex)/6 with N pointing outwards.
      volume6 += Nx * (L[3 * a] - cx) + Ny * (L[3 * a + 1] - cy) + Nz * (L[3 * a + 2] - cz);
      const mx = Nx * scaleX, my = Ny * scaleY, mz = Nz * scaleZ;
      const twiceArea = Math.sqrt(mx * mx + my * my + mz * mz);
      area2 += twiceArea;
      const k = facetOf[f];
      if (k === seen) { // the facet's first (lowest) face gives its unit normal
        normals[3 * k] = mx / twiceArea; normals[3 * k + 1] = my / twiceArea; normals[3 * k + 2] = mz / twiceArea;
        seen++;
      }
      faceAreas[k] += twiceArea;
    }
    for (let k = 0; k < facetCount; k++) faceAreas[k] /= 2;
    const extreme = this.extremeVertices(facetOf);
    const vertices = new Float64Array(3 * extreme.length);
    for (let i = 0; i < extreme.length; i++) {
      const v = extreme[i];
      vertices[3 * i] = ((L[3 * v] - 1) / 2) * sx;
      vertices[3 * i + 1] = ((L[3 * v + 1] - 1) / 2) * sy;
      vertices[3 * i + 2] = ((L[3 * v + 2] - 1) / 2) * sz;
    }
    return { volume: (volume6 / 6) * ((sx * sy * sz) / 8), area: area2 / 2, vertices, normals, faceAreas };
  }

  /**
   * The apex of the volume's tetrahedra: the mean of the first two live faces' corners. Over a
   * closed surface any apex gives the same total; one on the hull keeps the terms small.
   */
  private volumeApex(): Float64Array {
    const { L, fa, fb, fc, alive } = this;
    const sum = new Float64Array(3);
    let m = 0;
    for (let f = 0; f < this.faces && m < 4; f++) {
      if (!alive[f]) continue;
      for (let e = 0; e < 3; e++) {
        const v = e === 0 ? fa[f] : e === 1 ? fb[f] : fc[f];
        sum[0] += L[3 * v]; sum[1] += L[3 * v + 1]; sum[2] += L[3 * v + 2];
        m++;
      }
    }
    sum[0] /= m; sum[1] /= m; sum[2] /= m;
    return sum;
  }

  /**
   * Polygon face (facet) of each live triangle: triangles whose integer normals point the same way
   * lie in one supporting plane of a convex hull, and are edge-connected there, so each facet is a
   * flood fill across shared edges (exact: N × M = 0 and N · M > 0 on integers). Facets are numbered
   * by their lowest triangle, the order in which the measure loop meets them.
   */
  private labelFacets(): Int32Array {
    const { fa, fb, fc, alive, pnx, pny, pnz, n } = this;
    const facetOf = new Int32Array(this.faces).fill(-1);
    const queue: number[] = [];
    let next = 0;
    for (let f = 0; f < this.faces; f++) {
      if (!alive[f] || facetOf[f] >= 0) continue;
      const k = next++;
      facetOf[f] = k;
      queue.length = 0;
      queue.push(f);
      while (queue.length > 0) {
        const g = queue.pop()!;
        for (let e = 0; e < 3; e++) {
          const u = e === 0 ? fa[g] : e === 1 ? fb[g] : fc[g], v = e === 0 ? fb[g] : e === 1 ? fc[g] : fa[g];
          const h = this.edgeFace.get(v * n + u)!;
          if (facetOf[h] >= 0) continue;
          const cross = pny[f] * pnz[h] - pnz[f] * pny[h] || pnz[f] * pnx[h] - pnx[f] * pnz[h] || pnx[f] * pny[h] - pny[f] * pnx[h];
          if (cross !== 0 || pnx[f] * pnx[h] + pny[f] * pny[h] + pnz[f] * pnz[h] <= 0) continue;
          facetOf[h] = k;
          queue.push(h);
        }
      }
    }
    return facetOf;
  }

  /**
   * Vertices where live triangles of at least three facets meet, ascending (two facets: inside an
   * edge; one: inside a polygon face).
   */
  private extremeVertices(facetOf: Int32Array): Int32Array {
    const { fa, fb, fc, alive } = this;
    const first = new Int32Array(this.n).fill(-1), second = new Int32Array(this.n).fill(-1);
    const corner = new Uint8Array(this.n);
    for (let f = 0; f < this.faces; f++) {
      if (!alive[f]) continue;
      const k = facetOf[f];
      for (let e = 0; e < 3; e++) {
        const v = e === 0 ? fa[f] : e === 1 ? fb[f] : fc[f];
        if (first[v] < 0) first[v] = k;
        else if (first[v] !== k && second[v] < 0) second[v] = k;
        else if (first[v] !== k && second[v] !== k) corner[v] = 1;
      }
    }
    let count = 0;
    for (let v = 0; v < this.n; v++) count += corner[v];
    const out = new Int32Array(count);
    for (let v = 0, i = 0; v < this.n; v++) if (corner[v]) out[i++] = v;
    return out;
  }
}
