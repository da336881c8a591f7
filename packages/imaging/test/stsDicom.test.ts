import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexToWorld, readDicomSeries, readRtstruct, type DicomImageVolume } from '../src/index.js';
import { FIXTURES, STS_DICOM } from './paths.js';

/** Facts read with pydicom / numpy / scikit-image by scripts/fixtures/imaging/make_sts_reference.py. */
interface RoiRef {
  frameOfReferenceUid: string;
  polygonVolumeMm3: number;
  outlineGridCrossings: number;
  skimageSliceCounts: Record<string, number>;
  centroidLps: number[];
}
interface SeriesRef {
  seriesInstanceUid: string;
  frameOfReferenceUid: string;
  rows: number;
  columns: number;
  pixelSpacing: number[];
  orientation: number[];
  sliceSpacing: number;
  filesInOrder: string[];
  positions: number[][];
  samples: Array<{ file: string; row: number; column: number; value: number }>;
  rtstruct: Record<string, RoiRef>;
}
const reference: Record<string, SeriesRef> = JSON.parse(readFileSync(join(FIXTURES, 'sts/reference.json'), 'utf8')).series;

const volumes = new Map<string, DicomImageVolume>();
function series(rel: string): DicomImageVolume {
  if (!volumes.has(rel)) volumes.set(rel, readDicomSeries(join(STS_DICOM, rel, 'image')));
  return volumes.get(rel)!;
}

describe.each(Object.keys(reference))('real scanner series %s', (rel) => {
  const ref = reference[rel];

  it('reads as one regular grid matching pydicom: size, spacing, slice order, positions, rescaled values', () => {
    const v = series(rel);
    expect(v.dims).toEqual([ref.columns, ref.rows, ref.filesInOrder.length]);
    expect(v.spacing[0]).toBeCloseTo(ref.pixelSpacing[1], 6);
    expect(v.spacing[1]).toBeCloseTo(ref.pixelSpacing[0], 6);
    expect(v.spacing[2]).toBeCloseTo(ref.sliceSpacing, 4);
    expect(v.dicom.files.map((f) => f.slice(STS_DICOM.length + 1))).toEqual(ref.filesInOrder);
    expect(v.dicom.seriesInstanceUid).toBe(ref.seriesInstanceUid);
    // Slice k's first voxel sits at that file's ImagePositionPatient.
    ref.positions.forEach((p, k) => {
      const w = indexToWorld(v, 0, 0, k);
      for (let a = 0; a < 3; a++) expect(w[a]).toBeCloseTo(p[a], 2);
    });
    for (const s of ref.samples) {
      const k = ref.filesInOrder.indexOf(s.file);
      const value = v.data[s.column + v.dims[0] * (s.row + v.dims[1] * k)];
      expect(value).toBeCloseTo(Math.fround(s.value), 3);
    }
  });

  it('its RTSTRUCT references the series frame of reference (README fact)', () => {
    const roi = Object.values(ref.rtstruct)[0];
    expect(series(rel).dicom.frameOfReferenceUid).toBe(ref.frameOfReferenceUid);
    expect(roi.frameOfReferenceUid).toBe(ref.frameOfReferenceUid);
  });

  it('GTV_Mass rasterises like scikit-image and encloses the contours\' own shoelace volume', () => {
    const v = series(rel);
    const [name] = Object.keys(ref.rtstruct); // GTV_Mass_<modality>, as the reference script read it
    const mask = readRtstruct(join(STS_DICOM, rel, 'mask/RS.dcm'), v, name);
    const roi = ref.rtstruct[mask.roiName];
    expect(mask.roiName).toBe(name);
    expect(mask.dims).toEqual(v.dims);
    const [nx, ny, nz] = mask.dims;

    // 1. Per-slice voxel counts equal those of skimage.draw.polygon (pixel centres inside, even-odd per plane).
    const perSlice: Record<string, number> = {};
    for (let k = 0; k < nz; k++) {
      let c = 0;
      for (let i = k * nx * ny; i < (k + 1) * nx * ny; i++) c += mask.data[i];
      if (c > 0) perSlice[String(k)] = c;
    }
    expect(perSlice).toEqual(roi.skimageSliceCounts);

    // 2. Volume vs Σ shoelace area × slice spacing. Only voxels the outline passes through can
    //    differ; the outline crosses C grid lines (≈ such voxels), each contributing an error in
    //    [-½, ½] of a voxel with mean ≈ 0, so σ ≤ ½√C voxels: allow 3σ.
    const voxelMm3 = v.spacing[0] * v.spacing[1] * v.spacing[2];
    let count = 0;
    const centroid = [0, 0, 0];
    for (let k = 0; k < nz; k++)
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++)
          if (mask.data[i + nx * (j + ny * k)]) {
            count++;
            const w = indexToWorld(v, i, j, k);
            for (let a = 0; a < 3; a++) centroid[a] += w[a];
          }
    const tolerance = 3 * 0.5 * Math.sqrt(roi.outlineGridCrossings) * voxelMm3;
    expect(Math.abs(count * voxelMm3 - roi.polygonVolumeMm3)).toBeLessThanOrEqual(tolerance);
    // 3. Centred where the polygons are: within half a voxel along each axis.
    for (let a = 0; a < 3; a++) {
      expect(Math.abs(centroid[a] / count - roi.centroidLps[a])).toBeLessThanOrEqual(0.5 * Math.max(...v.spacing));
    }
  });
});
