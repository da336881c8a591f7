import { worldToIndex } from '../affine.js';
import {
  EmptyMaskError,
  MaskOutsideImageError,
  ReferenceMismatchError,
  UnknownRoiError,
  UnsupportedFormatError,
  UnsupportedLayoutError,
} from '../errors.js';
import { togglePolygon } from '../polygonFill.js';
import { selectByName } from '../roiSelect.js';
import type { ImageVolume, MaskVolume } from '../volume.js';
import { TAG, items, numbers, readDicomFile, str, type DataSet } from './dicomFile.js';
import type { DicomSeriesInfo } from './dicomSeries.js';

/** RT Structure Set tags (PS3.3 C.8.8.5, C.8.8.6). */
const RT = {
  StructureSetROISequence: 'x30060020',
  ROINumber: 'x30060022',
  ReferencedFrameOfReferenceUID: 'x30060024',
  ROIName: 'x30060026',
  ROIContourSequence: 'x30060039',
  ContourSequence: 'x30060040',
  ContourGeometricType: 'x30060042',
  ContourData: 'x30060050',
  ReferencedROINumber: 'x30060084',
} as const;

export interface RtstructRoi {
  number: number;
  name: string;
  frameOfReferenceUid?: string;
  /** Each closed planar contour as flat world points [x0 y0 z0 x1 y1 z1 …] (mm, LPS). */
  contours: Float64Array[];
  /** Contours of other geometric types (POINT, OPEN_PLANAR), which enclose no volume. */
  skippedContours: number;
}

/** Names (and contours) of every ROI in an RTSTRUCT file. */
export function readRtstructRois(path: string): RtstructRoi[] {
  const ds = readDicomFile(path);
  const modality = str(ds, TAG.Modality);
  if (modality !== 'RTSTRUCT') {
    throw new UnsupportedFormatError(path, `DICOM modality ${modality ?? '(none)'}`, 'a DICOM RT Structure Set (modality RTSTRUCT)');
  }
  const rois = new Map<number, RtstructRoi>();
  for (const item of items(ds, RT.StructureSetROISequence)) {
    const number = Number(str(item, RT.ROINumber));
    rois.set(number, {
      number,
      name: str(item, RT.ROIName) ?? `ROI ${number}`,
      frameOfReferenceUid: str(item, RT.ReferencedFrameOfReferenceUID),
      contours: [],
      skippedContours: 0,
    });
  }
  for (const item of items(ds, RT.ROIContourSequence)) {
    const roi = rois.get(Number(str(item, RT.ReferencedROINumber)));
    if (!roi) continue;
    for (const c of items(item, RT.ContourSequence)) addContour(roi, c);
  }
  return [...rois.values()];
}

function addContour(roi: RtstructRoi, c: DataSet): void {
  const type = str(c, RT.ContourGeometricType);
  const pts = numbers(c, RT.ContourData);
  if (type !== 'CLOSED_PLANAR' || !pts || pts.length < 9 || pts.length % 3 !== 0 || pts.some((x) => !Number.isFinite(x))) {
    roi.skippedContours++;
    return;
  }
  roi.contours.push(Float64Array.from(pts));
}

/** A contour more than this far (in slices) from a flat plane is not parallel to the image slices. */
const PLANARITY_TOLERANCE = 0.1;

/**
 * Rasterises one RTSTRUCT ROI onto the reference image's grid: contour points go to continuous
 * voxel indices; contours that share a plane are combined by the even-odd rule (inner contours
 * are holes); each plane is drawn on its nearest slice (planes from a finer contouring series
 * that meet on one slice are OR-ed, never cancelled).
 */
export function readRtstruct(
  path: string,
  referenceImage: ImageVolume,
  roiName: string,
  imagePath = 'the image',
): MaskVolume & { roiName: string; pointsOutside: number } {
  const rois = readRtstructRois(path);
  if (rois.length === 0) throw new UnknownRoiError(path, `"${roiName}"`, []);
  const { value: roi } = selectByName(path, roiName, rois.map((r) => ({ name: r.name, value: r })));
  const ref = (referenceImage as Partial<{ dicom: DicomSeriesInfo }>).dicom;
  if (ref?.frameOfReferenceUid && roi.frameOfReferenceUid && ref.frameOfReferenceUid !== roi.frameOfReferenceUid) {
    throw new ReferenceMismatchError(path, imagePath, `frame of reference ${ref.frameOfReferenceUid}`,
      `ROI "${roi.name}" drawn in frame of reference ${roi.frameOfReferenceUid}`);
  }
  if (roi.contours.length === 0) {
    throw new EmptyMaskError(path, `closed planar contours for ROI "${roi.name}"`,
      roi.skippedContours ? `only ${roi.skippedContours} point/open contour(s)` : 'no contours');
  }
  const mask = rasteriseContours(roi.contours, referenceImage, path);
  if (mask.inside === 0) {
    throw new MaskOutsideImageError(path, imagePath, `ROI "${roi.name}": ${roi.contours.length} contour(s), none covering an image voxel centre`);
  }
  return { ...mask.volume, roiName: roi.name, pointsOutside: mask.pointsOutside };
}

/**
 * `pointsOutside` counts contour vertices beyond the image's extent (more than half a voxel past
 * its first or last voxel centre, in-plane or through the slices): the part of the ROI they
 * enclose there is lost on this grid.
 */
export function rasteriseContours(contours: Float64Array[], grid: ImageVolume | MaskVolume, path: string): { volume: MaskVolume; inside: number; pointsOutside: number } {
  const [nx, ny, nz] = grid.dims;
  let pointsOutside = 0;
  const beyond = (x: number, n: number) => x < -0.5 || x > n - 0.5;
  const planes = new Map<number, Array<{ xs: Float64Array; ys: Float64Array }>>();
  for (const pts of contours) {
    const n = pts.length / 3;
    const xs = new Float64Array(n);
    const ys = new Float64Array(n);
    let kMin = Infinity;
    let kMax = -Infinity;
    let kSum = 0;
    for (let v = 0; v < n; v++) {
      const [i, j, k] = worldToIndex(grid, [pts[3 * v], pts[3 * v + 1], pts[3 * v + 2]]);
      xs[v] = i;
      ys[v] = j;
      if (beyond(i, nx) || beyond(j, ny) || beyond(k, nz)) pointsOutside++;
      kSum += k;
      if (k < kMin) kMin = k;
      if (k > kMax) kMax = k;
    }
    if (kMax - kMin > 2 * PLANARITY_TOLERANCE) {
      throw new UnsupportedLayoutError(path, 'contours drawn in planes parallel to the image slices',
        `a contour spanning ${(kMax - kMin).toFixed(2)} slices (drawn on a differently oriented series?)`);
    }
    // Key by the plane's own position (to 1/1000 slice), so contours of one plane XOR together.
    const key = Math.round((kSum / n) * 1000);
    if (!planes.has(key)) planes.set(key, []);
    planes.get(key)!.push({ xs, ys });
  }
  const data = new Uint8Array(nx * ny * nz);
  const plane = new Uint8Array(nx * ny);
  for (const [key, polys] of planes) {
    const k = Math.round(key / 1000);
    if (k < 0 || k >= nz) continue;
    plane.fill(0);
    for (const p of polys) togglePolygon(plane, nx, ny, p.xs, p.ys);
    const slice = data.subarray(k * nx * ny, (k + 1) * nx * ny);
    for (let i = 0; i < plane.length; i++) slice[i] |= plane[i];
  }
  let inside = 0;
  for (let i = 0; i < data.length; i++) inside += data[i];
  return {
    volume: { data, dims: [nx, ny, nz], spacing: [...grid.spacing], origin: [...grid.origin], direction: [...grid.direction] },
    inside,
    pointsOutside,
  };
}
