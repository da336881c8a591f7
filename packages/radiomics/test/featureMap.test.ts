import { describe, expect, it } from '@jest/globals';
import { IDENTITY_DIRECTION } from '@fedrad/imaging';
import { FeatureConfigError, featureMap } from '../src/index.js';

// Voxel-wise maps checked against features computed here, independently, on the neighbourhood cut
// out by hand: the mean (IBSI 1 Q4LE) and the GLCM inverse difference (IB1Z, 3D merged: the 13
// direction matrices summed, symmetric, normalised) of the ROI's globally discretised levels.
const dims: [number, number, number] = [12, 11, 9];
const n = dims[0] * dims[1] * dims[2];
let seed = 11;
const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
const data = Float32Array.from({ length: n }, () => Math.round(100 * rand()));
const roi = new Uint8Array(n);
for (let z = 0, i = 0; z < dims[2]; z++) for (let y = 0; y < dims[1]; y++) for (let x = 0; x < dims[0]; x++, i++) {
  roi[i] = ((x - 6) / 5.5) ** 2 + ((y - 5) / 5) ** 2 + ((z - 4) / 4) ** 2 <= 1 ? 1 : 0;
}
const geometry = { dims, spacing: [1, 1, 2] as [number, number, number], origin: [0, 0, 0] as [number, number, number], direction: IDENTITY_DIRECTION };
const image = { ...geometry, data };
const mask = { ...geometry, data: roi };
const at = (x: number, y: number, z: number) => x + dims[0] * (y + dims[1] * z);

/** The neighbourhood ∩ ROI of a voxel, as index list. */
function neighbourhood(x: number, y: number, z: number, k: number): number[] {
  const r = (k - 1) / 2, out: number[] = [];
  for (let c = z - r; c <= z + r; c++) for (let b = y - r; b <= y + r; b++) for (let a = x - r; a <= x + r; a++) {
    if (a >= 0 && b >= 0 && c >= 0 && a < dims[0] && b < dims[1] && c < dims[2] && roi[at(a, b, c)]) out.push(at(a, b, c));
  }
  return out;
}

describe('fedrad map: voxel-wise features', () => {
  const probes = [[6, 5, 4], [2, 5, 4], [6, 1, 3], [9, 7, 6]].filter(([x, y, z]) => roi[at(x, y, z)]);

  it('stat_mean in a 3 × 3 × 3 kernel is the mean of the neighbourhood ∩ ROI, 0 outside the ROI', () => {
    const map = featureMap({ image, mask, tag: 'stat_mean', kernelSize: 3, config: { families: ['intensity_statistics'] } });
    expect(map.roiVoxels).toBe(roi.reduce((s, v) => s + v, 0));
    for (const [x, y, z] of probes) {
      const nb = neighbourhood(x, y, z, 3);
      expect(map.data[at(x, y, z)]).toBeCloseTo(nb.reduce((s, i) => s + data[i], 0) / nb.length, 4);
    }
    for (let i = 0; i < n; i++) if (!roi[i]) expect(map.data[i]).toBe(0);
  });

  it('cm_inv_diff_3D_comb in a 5 × 5 × 5 kernel is the inverse difference of the neighbourhood\'s GLCM on the ROI\'s FBN levels', () => {
    const bins = 8;
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < n; i++) if (roi[i]) { lo = Math.min(lo, data[i]); hi = Math.max(hi, data[i]); }
    // IBSI 1 §2.7 fixed bin number over the whole ROI
    const level = (v: number) => (v >= hi ? bins : Math.floor((bins * (v - lo)) / (hi - lo)) + 1);
    const directions = [[1, 0, 0], [0, 1, 0], [1, 1, 0], [1, -1, 0], [0, 0, 1], [1, 0, 1], [1, 0, -1], [0, 1, 1], [0, 1, -1], [1, 1, 1], [1, 1, -1], [1, -1, 1], [1, -1, -1]];
    const map = featureMap({
      image, mask, tag: 'cm_inv_diff_3D_comb', kernelSize: 5,
      config: { families: ['glcm'], discretisation: { texture: { method: 'FBN', bins } }, texture: { glcm: { aggregations: ['3D_comb'] } } },
    });
    expect(map.family).toBe('glcm');
    for (const [x, y, z] of probes) {
      const inside = new Set(neighbourhood(x, y, z, 5));
      const counts = new Map<string, number>();
      let total = 0;
      for (const p of inside) {
        const px = p % dims[0], py = Math.floor(p / dims[0]) % dims[1], pz = Math.floor(p / (dims[0] * dims[1]));
        for (const [dx, dy, dz] of directions) {
          const qx = px + dx, qy = py + dy, qz = pz + dz;
          if (qx < 0 || qy < 0 || qz < 0 || qx >= dims[0] || qy >= dims[1] || qz >= dims[2]) continue;
          const q = at(qx, qy, qz);
          if (!inside.has(q)) continue;
          const a = level(data[p]), b = level(data[q]);
          counts.set(`${a},${b}`, (counts.get(`${a},${b}`) ?? 0) + 1);
          counts.set(`${b},${a}`, (counts.get(`${b},${a}`) ?? 0) + 1);
          total += 2;
        }
      }
      let id = 0;
      for (const [key, c] of counts) { const [a, b] = key.split(',').map(Number); id += c / total / (1 + Math.abs(a - b)); }
      expect(map.data[at(x, y, z)]).toBeCloseTo(id, 5);
    }
  }, 60_000);

  it('refuses an unknown tag, an even kernel, an aggregation the config does not make, and interpolation', () => {
    expect(() => featureMap({ image, mask, tag: 'stat_nonsense', kernelSize: 3 })).toThrow(FeatureConfigError);
    expect(() => featureMap({ image, mask, tag: 'stat_mean', kernelSize: 4 })).toThrow('odd');
    expect(() => featureMap({ image, mask, tag: 'cm_inv_diff_2D_avg', kernelSize: 3, config: { texture: { glcm: { aggregations: ['3D_comb'] } } } })).toThrow('cm_inv_diff_2D_avg');
    expect(() => featureMap({ image, mask, tag: 'stat_mean', kernelSize: 3, config: { interpolation: { spacing: [1, 1, 1] } } })).toThrow('interpolation');
  });
});
