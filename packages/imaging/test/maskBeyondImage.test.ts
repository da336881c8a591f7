import { describe, expect, it } from '@jest/globals';
import { rasteriseContours } from '../src/dicom/rtstruct.js';
import type { MaskVolume } from '../src/index.js';

// Issue #19.1 for RTSTRUCT: contour vertices past the image's extent are counted, so readMask can
// refuse a structure that the image's grid would silently cut.
const grid: MaskVolume = { data: new Uint8Array(32), dims: [4, 4, 2], spacing: [1, 1, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
const square = (half: number, cx: number, cy: number, z: number) =>
  Float64Array.from([cx - half, cy - half, z, cx + half, cy - half, z, cx + half, cy + half, z, cx - half, cy + half, z]);

describe('rasteriseContours counts what lies beyond the image', () => {
  it('a square inside the 4×4 slice has no vertex outside', () => {
    expect(rasteriseContours([square(1, 1.5, 1.5, 0)], grid, 'rs.dcm').pointsOutside).toBe(0);
  });
  it('a square centred on voxel (0, 0) reaching 2 mm out: 3 of its 4 vertices lie past the edge (−0.5)', () => {
    const r = rasteriseContours([square(2, 0, 0, 0)], grid, 'rs.dcm');
    expect(r.pointsOutside).toBe(3);
    // What stays on the grid: voxel centres (i, j) with −2 < i, j < 2 on slice 0, i.e. i, j ∈ {0, 1}.
    expect(r.inside).toBe(4);
  });
  it('a contour on a plane past the last slice counts all its vertices', () => {
    expect(rasteriseContours([square(1, 1.5, 1.5, 0), square(1, 1.5, 1.5, 2)], grid, 'rs.dcm').pointsOutside).toBe(4);
  });
});
