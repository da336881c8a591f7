import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FileNotFoundError, SeriesSelectionError, UnsupportedLayoutError } from '../errors.js';
import { readFileBytes } from '../fileBytes.js';
import { TAG, hasDicomMagic, num, numbers, parseDicomBytes, str, type DataSet } from './dicomFile.js';
import { readDicomMultiFrame } from './multiFrame.js';
import { decodeFrame, rescaleOf } from './pixelData.js';
import { lossyCompressionOf, seriesIdentity, type DicomImageVolume } from './seriesInfo.js';
import { stackSlices } from './sliceStack.js';

export type { DicomImageVolume, DicomSeriesInfo } from './seriesInfo.js';

/** Objects that share a folder with images but are not image slices. */
const NON_IMAGE_MODALITIES = new Set(['SEG', 'RTSTRUCT', 'RTPLAN', 'RTDOSE', 'RTRECORD', 'SR', 'PR', 'KO', 'REG', 'DOC']);

/** Every file under `folder`, at any depth, sorted. */
export function listFiles(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) out.push(p);
    }
  };
  walk(folder);
  return out.sort();
}

function isImageSlice(ds: DataSet): boolean {
  const modality = str(ds, TAG.Modality) ?? '';
  if (NON_IMAGE_MODALITIES.has(modality)) return false;
  return Boolean(ds.elements[TAG.PixelData] ?? ds.elements[TAG.FloatPixelData] ?? ds.elements[TAG.DoubleFloatPixelData]);
}

/** Every DICOM image slice under `folder` (recursively), grouped by SeriesInstanceUID. */
export function scanDicomFolder(folder: string): Map<string, Array<{ path: string; ds: DataSet }>> {
  let files: string[];
  try {
    if (!statSync(folder).isDirectory()) throw new Error('not a folder');
    files = listFiles(folder);
  } catch (e) {
    throw new FileNotFoundError(folder, (e as NodeJS.ErrnoException).code ?? (e as Error).message, e);
  }
  const series = new Map<string, Array<{ path: string; ds: DataSet }>>();
  for (const path of files) {
    const bytes = readFileBytes(path);
    if (!hasDicomMagic(bytes)) continue; // README, DICOMDIR-less junk, thumbnails: not ours
    const ds = parseDicomBytes(bytes, path);
    if (!isImageSlice(ds)) continue;
    const uid = str(ds, TAG.SeriesInstanceUID) ?? '(no SeriesInstanceUID)';
    if (!series.has(uid)) series.set(uid, []);
    series.get(uid)!.push({ path, ds });
  }
  return series;
}

function describeSeries(uid: string, files: Array<{ ds: DataSet }>): string {
  const ds = files[0].ds;
  const what = [str(ds, TAG.Modality), str(ds, TAG.SeriesDescription)].filter(Boolean).join(' ');
  return `${uid} (${what ? what + ', ' : ''}${files.length} slice${files.length === 1 ? '' : 's'})`;
}

/**
 * Reads one DICOM image series from a folder into a Float32 volume in LPS: slices grouped by
 * SeriesInstanceUID, sorted along the slice normal (row × column cosines, PS3.3 C.7.6.2.1.1),
 * rescaled per slice, and refused when positions leave gaps, are uneven, or are sheared.
 */
export function readDicomSeries(folder: string, opts: { seriesInstanceUid?: string } = {}): DicomImageVolume {
  const all = scanDicomFolder(folder);
  let uid = opts.seriesInstanceUid;
  if (uid === undefined) {
    if (all.size !== 1) {
      const found = all.size === 0
        ? 'no DICOM image files'
        : `${all.size} series: ` + [...all].map(([u, f]) => describeSeries(u, f)).join('; ');
      throw new SeriesSelectionError(folder, 'exactly one DICOM image series (put each series in its own folder)', found);
    }
    uid = [...all.keys()][0];
  }
  const files = all.get(uid);
  if (!files) {
    throw new SeriesSelectionError(folder, `series ${uid}`, [...all].map(([u, f]) => describeSeries(u, f)).join('; ') || 'no DICOM image files');
  }
  return assembleSeries(folder, uid, files);
}

function assembleSeries(folder: string, uid: string, files: Array<{ path: string; ds: DataSet }>): DicomImageVolume {
  const multiFrame = files.find(({ ds }) => (num(ds, TAG.NumberOfFrames) ?? 1) > 1);
  if (multiFrame) {
    // An Enhanced CT/MR object is a whole volume in one file; several of them are not one grid.
    if (files.length === 1) return readDicomMultiFrame(multiFrame.path, multiFrame.ds);
    throw new UnsupportedLayoutError(multiFrame.path, 'one slice per file, or one multi-frame file per series',
      `a multi-frame image with ${num(multiFrame.ds, TAG.NumberOfFrames)} frames among ${files.length} files of series ${uid}`);
  }
  const first = files[0].ds;
  const { volume, slices } = stackSlices(folder, files.map(({ path, ds }) => ({
    path,
    label: path,
    position: numbers(ds, TAG.ImagePositionPatient),
    orientation: numbers(ds, TAG.ImageOrientationPatient),
    rows: ds.uint16(TAG.Rows) ?? 0,
    cols: ds.uint16(TAG.Columns) ?? 0,
    pixelSpacing: numbers(ds, TAG.PixelSpacing) ?? [1, 1],
    rescale: rescaleOf(ds),
    decode: () => decodeFrame(ds, path),
  })), num(first, TAG.SpacingBetweenSlices) ?? num(first, TAG.SliceThickness) ?? 1);
  const byPath = new Map(files.map((f) => [f.path, f.ds]));
  const ordered = slices.map((s) => byPath.get(s.path)!);
  return {
    ...volume,
    dicom: {
      ...seriesIdentity(first, uid),
      sopInstanceUids: ordered.map((ds) => str(ds, TAG.SOPInstanceUID) ?? ''),
      files: slices.map((s) => s.path),
      ...lossyCompressionOf(ordered),
    },
  };
}
