import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  CorruptFileError,
  FileNotFoundError,
  SeriesSelectionError,
  SliceSpacingError,
  UnsupportedLayoutError,
} from '../errors.js';
import { readFileBytes } from '../fileBytes.js';
import type { ImageVolume, Volume } from '../volume.js';
import { TAG, hasDicomMagic, num, numbers, parseDicomBytes, str, type DataSet } from './dicomFile.js';
import { decodeFrame, rescaleOf } from './pixelData.js';

/** Identity of the series a volume came from; masks (RTSTRUCT, SEG) are checked against it. */
export interface DicomSeriesInfo {
  seriesInstanceUid: string;
  frameOfReferenceUid?: string;
  studyInstanceUid?: string;
  modality?: string;
  patientId?: string;
  seriesDescription?: string;
  /** SOPInstanceUID of slice k, in volume order. */
  sopInstanceUids: string[];
  /** File of slice k, in volume order. */
  files: string[];
}

export type DicomImageVolume = ImageVolume & { dicom: DicomSeriesInfo };

/** Objects that share a folder with images but are not image slices. */
const NON_IMAGE_MODALITIES = new Set(['SEG', 'RTSTRUCT', 'RTPLAN', 'RTDOSE', 'RTRECORD', 'SR', 'PR', 'KO', 'REG', 'DOC']);

/**
 * Slice positions may differ from an exact grid by the rounding of their decimal strings; a
 * missing slice is a 100% jump. 1% of the spacing (at least 0.01 mm, the precision scanners
 * write positions with) separates the two.
 */
const SPACING_RELATIVE_TOLERANCE = 0.01;
const SPACING_ABSOLUTE_TOLERANCE = 0.01;
/** Axis cosines written with ~6 digits; anything beyond 1e-4 is a different orientation. */
const ORIENTATION_TOLERANCE = 1e-4;

interface Slice {
  path: string;
  ds: DataSet;
  position: [number, number, number];
  orientation: number[];
}

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
  const first = files[0].ds;
  const rows = first.uint16(TAG.Rows) ?? 0;
  const cols = first.uint16(TAG.Columns) ?? 0;
  const pixelSpacing = numbers(first, TAG.PixelSpacing) ?? [1, 1];
  const refOrientation = numbers(first, TAG.ImageOrientationPatient) ?? [];
  const slices: Slice[] = files.map(({ path, ds }) => {
    const frames = num(ds, TAG.NumberOfFrames) ?? 1;
    if (frames > 1) {
      throw new UnsupportedLayoutError(path, 'one slice per file (classic CT/MR/PET storage)', `a multi-frame (enhanced) image with ${frames} frames`);
    }
    const position = numbers(ds, TAG.ImagePositionPatient);
    const orientation = numbers(ds, TAG.ImageOrientationPatient);
    if (!position || position.length !== 3 || !orientation || orientation.length !== 6 || [...position, ...orientation].some((x) => !Number.isFinite(x))) {
      throw new CorruptFileError(path, 'ImagePositionPatient (3 values) and ImageOrientationPatient (6 values)', 'missing or malformed patient geometry');
    }
    const r = ds.uint16(TAG.Rows);
    const c = ds.uint16(TAG.Columns);
    const ps = numbers(ds, TAG.PixelSpacing) ?? [1, 1];
    if (r !== rows || c !== cols || Math.abs(ps[0] - pixelSpacing[0]) > 1e-4 || Math.abs(ps[1] - pixelSpacing[1]) > 1e-4) {
      throw new UnsupportedLayoutError(
        path,
        `${rows}×${cols} pixels of ${pixelSpacing.join('×')} mm like ${files[0].path}`,
        `a slice of ${r}×${c} pixels of ${ps.join('×')} mm in the same series`,
      );
    }
    if (orientation.some((x, i) => Math.abs(x - refOrientation[i]) > ORIENTATION_TOLERANCE)) {
      throw new UnsupportedLayoutError(path, `orientation ${refOrientation.join('\\')} like ${files[0].path}`, `orientation ${orientation.join('\\')} in the same series`);
    }
    return { path, ds, position: position as [number, number, number], orientation };
  });

  const [rowDir, colDir] = unitAxes(slices[0].orientation);
  const normal = cross(rowDir, colDir);
  const along = (p: number[]) => p[0] * normal[0] + p[1] * normal[1] + p[2] * normal[2];
  slices.sort((a, b) => along(a.position) - along(b.position));
  const d = slices.map((s) => along(s.position));
  const n = slices.length;

  let sliceSpacing: number;
  if (n === 1) {
    sliceSpacing = num(first, TAG.SpacingBetweenSlices) ?? num(first, TAG.SliceThickness) ?? 1;
  } else {
    const steps = d.slice(1).map((x, k) => x - d[k]);
    const typical = [...steps].sort((a, b) => a - b)[Math.floor((n - 1) / 2)];
    const tol = Math.max(SPACING_ABSOLUTE_TOLERANCE, SPACING_RELATIVE_TOLERANCE * typical);
    steps.forEach((step, k) => {
      if (step < tol) {
        throw new SliceSpacingError(folder, 'one slice per position along the slice normal',
          `two slices at ${d[k].toFixed(3)} mm: ${slices[k].path} and ${slices[k + 1].path} ` +
            '(several echoes, phases or acquisitions in one series? export them as separate series)');
      }
    });
    steps.forEach((step, k) => {
      if (Math.abs(step - typical) > tol) {
        const gap = step > typical ? ` (about ${Math.round(step / typical) - 1} slice(s) missing?)` : '';
        throw new SliceSpacingError(folder,
          `evenly spaced slices (${typical.toFixed(4)} mm apart, as most of the ${n} slices are, ±${tol.toFixed(3)} mm)`,
          `a step of ${step.toFixed(4)} mm between ${slices[k].path} and ${slices[k + 1].path}${gap}`);
      }
    });
    // Validated as even: the end-to-end average is the most precise spacing.
    sliceSpacing = (d[n - 1] - d[0]) / (n - 1);
    // Slices must stack straight along the normal; an in-plane drift is a tilted gantry.
    const last = slices[n - 1].position;
    const p0 = slices[0].position;
    const delta = [last[0] - p0[0], last[1] - p0[1], last[2] - p0[2]];
    const drift = Math.hypot(dot(delta, rowDir), dot(delta, colDir));
    if (drift > Math.max(0.01, 0.05 * Math.min(pixelSpacing[0], pixelSpacing[1]))) {
      throw new UnsupportedLayoutError(folder, 'slices stacked along the slice normal',
        `slice positions drift ${drift.toFixed(3)} mm in-plane over the stack (gantry tilt or sheared acquisition); resample to an orthogonal grid first`);
    }
  }

  const sliceVoxels = rows * cols;
  // Decoding slice 0 first checks that its pixel data really hold rows × cols values, so a corrupt
  // Rows/Columns is a CorruptFileError rather than a giant allocation.
  const firstFrame = decodeFrame(slices[0].ds, slices[0].path);
  const data = new Float32Array(sliceVoxels * n);
  slices.forEach((s, k) => {
    const frame = k === 0 ? firstFrame : decodeFrame(s.ds, s.path);
    const { slope, intercept } = rescaleOf(s.ds);
    const off = k * sliceVoxels;
    if (slope === 1 && intercept === 0) data.set(frame, off);
    else for (let i = 0; i < sliceVoxels; i++) data[off + i] = frame[i] * slope + intercept;
  });

  const dims: Volume['dims'] = [cols, rows, n];
  // PixelSpacing is "row spacing \ column spacing" (PS3.3 C.7.6.2.1.1): [1] is along a row (i).
  const spacing: Volume['spacing'] = [pixelSpacing[1], pixelSpacing[0], sliceSpacing];
  const direction = [
    rowDir[0], colDir[0], normal[0],
    rowDir[1], colDir[1], normal[1],
    rowDir[2], colDir[2], normal[2],
  ].map((x) => (x === 0 ? 0 : x)) as Volume['direction'];
  return {
    data,
    dims,
    spacing,
    origin: [...slices[0].position] as Volume['origin'],
    direction,
    dicom: {
      seriesInstanceUid: uid,
      frameOfReferenceUid: str(first, TAG.FrameOfReferenceUID),
      studyInstanceUid: str(first, TAG.StudyInstanceUID),
      modality: str(first, TAG.Modality),
      patientId: str(first, TAG.PatientID),
      seriesDescription: str(first, TAG.SeriesDescription),
      sopInstanceUids: slices.map((s) => str(s.ds, TAG.SOPInstanceUID) ?? ''),
      files: slices.map((s) => s.path),
    },
  };
}

/** Row and column direction cosines, renormalised (DS strings carry ~6 digits). */
export function unitAxes(iop: number[]): [number[], number[]] {
  const norm = (v: number[]) => {
    const l = Math.hypot(v[0], v[1], v[2]) || 1;
    return v.map((x) => x / l);
  };
  return [norm(iop.slice(0, 3)), norm(iop.slice(3, 6))];
}

export function cross(a: number[], b: number[]): number[] {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function dot(a: number[], b: number[]): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
