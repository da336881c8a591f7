import { UnsupportedLayoutError } from '../errors.js';
import { TAG, items, num, numbers, readDicomFile, str, type DataSet } from './dicomFile.js';
import { decodeFrame, rescaleOf } from './pixelData.js';
import { lossyCompressionOf, seriesIdentity, type DicomImageVolume } from './seriesInfo.js';
import { stackSlices, type StackSlice } from './sliceStack.js';

/**
 * Reads a multi-frame image (Enhanced CT/MR and other objects with the Multi-frame Functional
 * Groups, PS3.3 C.7.6.16) as one volume. Each frame is placed by its PlanePositionSequence and
 * PlaneOrientationSequence, measured by PixelMeasuresSequence and rescaled by
 * PixelValueTransformationSequence, looked up in the frame's own functional group first and in
 * the shared group otherwise (C.7.6.16.1); a classic multi-frame file without functional groups
 * falls back to its top-level attributes, which place only one frame. The frames then pass the
 * series reader's checks: one orientation, even spacing, no duplicate, no shear.
 */
export function readDicomMultiFrame(path: string, ds: DataSet = readDicomFile(path)): DicomImageVolume {
  const frameCount = num(ds, TAG.NumberOfFrames) ?? 1;
  const shared = items(ds, TAG.SharedFunctionalGroupsSequence)[0];
  const perFrame = items(ds, TAG.PerFrameFunctionalGroupsSequence);
  if (perFrame.length > 0 && perFrame.length !== frameCount) {
    throw new UnsupportedLayoutError(path, `one PerFrameFunctionalGroupsSequence item per frame (NumberOfFrames ${frameCount})`,
      `${perFrame.length} items`);
  }
  /** The frame's functional group macro `seq`, else the shared one (PS3.3 C.7.6.16.1). */
  const macro = (f: number, seq: string): DataSet | undefined =>
    items(perFrame[f] ?? ({ elements: {} } as DataSet), seq)[0] ?? (shared ? items(shared, seq)[0] : undefined);

  const rows = ds.uint16(TAG.Rows) ?? 0;
  const cols = ds.uint16(TAG.Columns) ?? 0;
  const frames: StackSlice[] = [];
  for (let f = 0; f < frameCount; f++) {
    const position = macro(f, TAG.PlanePositionSequence);
    const orientation = macro(f, TAG.PlaneOrientationSequence);
    const measures = macro(f, TAG.PixelMeasuresSequence);
    const transform = macro(f, TAG.PixelValueTransformationSequence);
    if (!position && frameCount > 1 && !(f === 0 && perFrame.length === 0)) {
      throw new UnsupportedLayoutError(path, 'a plane position for every frame (PlanePositionSequence in the per-frame functional groups)',
        `a ${frameCount}-frame image without per-frame positions (frame ${f + 1} has none)`);
    }
    frames.push({
      path,
      label: `frame ${f + 1} of ${path}`,
      position: numbers(position ?? ds, TAG.ImagePositionPatient),
      orientation: numbers(orientation ?? ds, TAG.ImageOrientationPatient),
      rows,
      cols,
      pixelSpacing: numbers(measures ?? ds, TAG.PixelSpacing) ?? [1, 1],
      rescale: rescaleOf(transform ?? ds),
      decode: () => decodeFrame(ds, path, f),
    });
  }
  const measures = macro(0, TAG.PixelMeasuresSequence) ?? ds;
  const thickness = num(measures, TAG.SpacingBetweenSlices) ?? num(measures, TAG.SliceThickness) ?? 1;
  const { volume, slices } = stackSlices(path, frames, thickness);
  const frameOf = new Map(frames.map((s, f) => [s, f + 1]));
  const sop = str(ds, TAG.SOPInstanceUID) ?? '';
  return {
    ...volume,
    dicom: {
      ...seriesIdentity(ds),
      sopInstanceUids: slices.map(() => sop),
      files: slices.map(() => path),
      frames: slices.map((s) => frameOf.get(s)!),
      ...lossyCompressionOf([ds]),
    },
  };
}
