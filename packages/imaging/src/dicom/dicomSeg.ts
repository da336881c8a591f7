import { worldToIndex } from '../affine.js';
import {
  CorruptFileError,
  EmptyMaskError,
  GridMismatchError,
  MaskOutsideImageError,
  ReferenceMismatchError,
  UnknownRoiError,
  UnsupportedDatatypeError,
  UnsupportedFormatError,
} from '../errors.js';
import { selectByName } from '../roiSelect.js';
import type { ImageVolume, MaskVolume } from '../volume.js';
import { TAG, items, num, numbers, readDicomFile, str, type DataSet } from './dicomFile.js';
import { assertNativeTransferSyntax } from './pixelData.js';
import type { DicomSeriesInfo } from './dicomSeries.js';

/** Segmentation IOD tags (PS3.3 C.8.20, C.7.6.16). */
const SEG = {
  SegmentationType: 'x00620001',
  SegmentSequence: 'x00620002',
  SegmentNumber: 'x00620004',
  SegmentLabel: 'x00620005',
  SegmentIdentificationSequence: 'x0062000a',
  ReferencedSegmentNumber: 'x0062000b',
  MaximumFractionalValue: 'x0062000e',
  SharedFunctionalGroups: 'x52009229',
  PerFrameFunctionalGroups: 'x52009230',
  PlanePositionSequence: 'x00209113',
  PlaneOrientationSequence: 'x00209116',
  PixelMeasuresSequence: 'x00289110',
} as const;

export interface DicomSegment {
  number: number;
  label: string;
}

/** Frame positions must land on voxel centres of the image to this fraction of a voxel. */
const ALIGNMENT_TOLERANCE = 0.1;

function segmentsOf(ds: DataSet): DicomSegment[] {
  return items(ds, SEG.SegmentSequence).map((s) => ({
    number: s.uint16(SEG.SegmentNumber) ?? Number(str(s, SEG.SegmentNumber)),
    label: str(s, SEG.SegmentLabel) ?? `Segment ${s.uint16(SEG.SegmentNumber)}`,
  }));
}

/** A functional-group attribute from the frame's own group, else the shared one. */
function frameAttr(frame: DataSet | undefined, shared: DataSet | undefined, seq: string, tag: string): number[] | undefined {
  for (const g of [frame, shared]) {
    const it = g ? items(g, seq)[0] : undefined;
    const v = it ? numbers(it, tag) : undefined;
    if (v) return v;
  }
  return undefined;
}

/**
 * One segment of a DICOM SEG placed on the reference image grid. Frames are matched to image
 * slices by their own ImagePositionPatient / orientation (not by referenced SOP instances, which
 * some writers omit), so a SEG on a different grid is a GridMismatchError that states both grids.
 */
export function readDicomSeg(
  path: string,
  referenceImage: ImageVolume,
  select: { roi?: string; label?: number } = {},
  imagePath = 'the image',
): MaskVolume & { segmentName: string; voxelsOutside: number } {
  const ds = readDicomFile(path);
  if (str(ds, TAG.Modality) !== 'SEG') {
    throw new UnsupportedFormatError(path, `DICOM modality ${str(ds, TAG.Modality) ?? '(none)'}`, 'a DICOM Segmentation (modality SEG)');
  }
  assertNativeTransferSyntax(ds, path);
  const segments = segmentsOf(ds);
  const names = segments.map((s) => `${s.label} (segment ${s.number})`);
  let seg: DicomSegment;
  if (select.roi !== undefined) seg = selectByName(path, select.roi, segments.map((s) => ({ name: s.label, value: s }))).value;
  else if (select.label !== undefined) {
    const m = segments.find((s) => s.number === select.label);
    if (!m) throw new UnknownRoiError(path, `segment number ${select.label}`, names);
    seg = m;
  } else if (segments.length === 1) seg = segments[0];
  else throw new UnknownRoiError(path, 'a segment (give a segment label or number)', names);

  const ref = (referenceImage as Partial<{ dicom: DicomSeriesInfo }>).dicom;
  const frameOfReference = str(ds, TAG.FrameOfReferenceUID);
  if (ref?.frameOfReferenceUid && frameOfReference && ref.frameOfReferenceUid !== frameOfReference) {
    throw new ReferenceMismatchError(path, imagePath, `frame of reference ${ref.frameOfReferenceUid}`, `SEG in frame of reference ${frameOfReference}`);
  }

  const rows = ds.uint16(TAG.Rows) ?? 0;
  const cols = ds.uint16(TAG.Columns) ?? 0;
  const frames = num(ds, TAG.NumberOfFrames) ?? 1;
  const bits = ds.uint16(TAG.BitsAllocated) ?? 1;
  const type = str(ds, SEG.SegmentationType) ?? 'BINARY';
  if (!(bits === 1 || bits === 8)) {
    throw new UnsupportedDatatypeError(path, `SEG BitsAllocated ${bits}`, 'BitsAllocated 1 (BINARY) or 8 (FRACTIONAL)');
  }
  // FRACTIONAL: a voxel belongs to the segment from half the maximum fraction (IBSI partial-volume 0.5).
  const threshold = type === 'FRACTIONAL' ? 0.5 * (ds.uint16(SEG.MaximumFractionalValue) ?? 255) : 0.5;
  const pixel = ds.elements[TAG.PixelData];
  const perFrame = frames * rows * cols;
  const bytes = ds.byteArray as Uint8Array;
  const needed = bits === 1 ? Math.ceil(perFrame / 8) : perFrame;
  if (!pixel || Math.min(pixel.length, bytes.length - pixel.dataOffset) < needed) {
    throw new CorruptFileError(path, `${needed} bytes of SEG pixel data (${frames} frames of ${rows}×${cols})`, `${pixel ? Math.max(0, Math.min(pixel.length, bytes.length - pixel.dataOffset)) : 0} bytes`);
  }
  const shared = items(ds, SEG.SharedFunctionalGroups)[0];
  const frameGroups = items(ds, SEG.PerFrameFunctionalGroups);
  const [nx, ny, nz] = referenceImage.dims;
  const data = new Uint8Array(nx * ny * nz);
  const refDir = referenceImage.direction;
  let inSegment = 0;
  let inside = 0;
  // Segment voxels on frames or pixels beyond the image: the caller decides whether cropping is allowed.
  let voxelsOutside = 0;
  for (let f = 0; f < frames; f++) {
    const g = frameGroups[f];
    const segItem = g ? items(g, SEG.SegmentIdentificationSequence)[0] : shared ? items(shared, SEG.SegmentIdentificationSequence)[0] : undefined;
    const segNumber = segItem ? segItem.uint16(SEG.ReferencedSegmentNumber) : segments.length === 1 ? seg.number : undefined;
    if (segNumber !== seg.number) continue;
    const ipp = frameAttr(g, shared, SEG.PlanePositionSequence, TAG.ImagePositionPatient);
    const iop = frameAttr(g, shared, SEG.PlaneOrientationSequence, TAG.ImageOrientationPatient);
    const ps = frameAttr(g, shared, SEG.PixelMeasuresSequence, TAG.PixelSpacing);
    if (!ipp || !iop || !ps) {
      throw new CorruptFileError(path, `plane position, orientation and pixel spacing for frame ${f + 1}`, 'missing functional group attributes');
    }
    const idx = worldToIndex(referenceImage, ipp);
    const aligned =
      Math.abs(iop[0] - refDir[0]) < 1e-3 && Math.abs(iop[1] - refDir[3]) < 1e-3 && Math.abs(iop[2] - refDir[6]) < 1e-3 &&
      Math.abs(iop[3] - refDir[1]) < 1e-3 && Math.abs(iop[4] - refDir[4]) < 1e-3 && Math.abs(iop[5] - refDir[7]) < 1e-3 &&
      Math.abs(ps[1] - referenceImage.spacing[0]) < 1e-3 * referenceImage.spacing[0] &&
      Math.abs(ps[0] - referenceImage.spacing[1]) < 1e-3 * referenceImage.spacing[1] &&
      idx.every((x) => Math.abs(x - Math.round(x)) < ALIGNMENT_TOLERANCE);
    if (!aligned) {
      throw new GridMismatchError(imagePath, path, referenceImage, {
        dims: [cols, rows, frames], spacing: [ps[1], ps[0], NaN], origin: ipp, direction: iop,
      }, `frame ${f + 1}'s position, orientation or pixel spacing`);
    }
    const [i0, j0, k] = idx.map(Math.round);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const p = f * rows * cols + r * cols + c;
        const on = bits === 1 ? (bytes[pixel.dataOffset + (p >> 3)] >> (p & 7)) & 1 : bytes[pixel.dataOffset + p] >= threshold ? 1 : 0;
        if (!on) continue;
        inSegment++;
        const i = i0 + c;
        const j = j0 + r;
        if (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz) {
          voxelsOutside++;
          continue;
        }
        const q = i + nx * (j + ny * k);
        if (!data[q]) inside++;
        data[q] = 1;
      }
    }
  }
  if (inSegment === 0) throw new EmptyMaskError(path, `voxels of segment "${seg.label}" (segment ${seg.number})`);
  if (inside === 0) throw new MaskOutsideImageError(path, imagePath, `segment "${seg.label}": ${inSegment} voxel(s), all outside the image`);
  return {
    data,
    dims: [nx, ny, nz],
    spacing: [...referenceImage.spacing],
    origin: [...referenceImage.origin],
    direction: [...referenceImage.direction],
    segmentName: seg.label,
    voxelsOutside,
  };
}
