import { CorruptFileError, SliceSpacingError, UnsupportedLayoutError } from '../errors.js';
import type { ImageVolume, Volume } from '../volume.js';

/**
 * One 2D slice of a volume: a classic single-frame file, or one frame of a multi-frame object.
 * Both are stacked by the same rules, so a series and an Enhanced CT/MR file pass the same
 * geometry checks.
 */
export interface StackSlice {
  /** The file errors are about. */
  path: string;
  /** How messages name the slice: the file, or "frame n of the file". */
  label: string;
  position: number[] | undefined;
  orientation: number[] | undefined;
  rows: number;
  cols: number;
  /** PixelSpacing: row spacing \ column spacing (PS3.3 C.7.6.2.1.1). */
  pixelSpacing: number[];
  rescale: { slope: number; intercept: number };
  /** Stored values (before rescale), rows × cols. */
  decode(): Float32Array;
}

/**
 * Slice positions may differ from an exact grid by the rounding of their decimal strings; a
 * missing slice is a 100% jump. 1% of the spacing (at least 0.01 mm, the precision scanners
 * write positions with) separates the two.
 */
const SPACING_RELATIVE_TOLERANCE = 0.01;
const SPACING_ABSOLUTE_TOLERANCE = 0.01;
/** Axis cosines written with ~6 digits; anything beyond 1e-4 is a different orientation. */
const ORIENTATION_TOLERANCE = 1e-4;

type Placed = StackSlice & { position: [number, number, number]; orientation: number[] };

function checkSlice(s: StackSlice, ref: StackSlice): Placed {
  const { position, orientation } = s;
  if (!position || position.length !== 3 || !orientation || orientation.length !== 6 || [...position, ...orientation].some((x) => !Number.isFinite(x))) {
    throw new CorruptFileError(s.path, 'ImagePositionPatient (3 values) and ImageOrientationPatient (6 values)',
      `missing or malformed patient geometry${s.label === s.path ? '' : ` for ${s.label}`}`);
  }
  const ps = s.pixelSpacing;
  if (s.rows !== ref.rows || s.cols !== ref.cols || Math.abs(ps[0] - ref.pixelSpacing[0]) > 1e-4 || Math.abs(ps[1] - ref.pixelSpacing[1]) > 1e-4) {
    throw new UnsupportedLayoutError(
      s.path,
      `${ref.rows}×${ref.cols} pixels of ${ref.pixelSpacing.join('×')} mm like ${ref.label}`,
      `a slice of ${s.rows}×${s.cols} pixels of ${ps.join('×')} mm in the same ${s.label === s.path ? 'series' : `image (${s.label})`}`,
    );
  }
  const refOrientation = ref.orientation ?? [];
  if (orientation.some((x, i) => Math.abs(x - refOrientation[i]) > ORIENTATION_TOLERANCE)) {
    throw new UnsupportedLayoutError(s.path, `orientation ${refOrientation.join('\\')} like ${ref.label}`,
      `orientation ${orientation.join('\\')} in the same ${s.label === s.path ? 'series' : `image (${s.label})`}`);
  }
  return s as Placed;
}

/**
 * Stacks slices into a Float32 volume in LPS: sorted along the slice normal (row × column
 * cosines, PS3.3 C.7.6.2.1.1), rescaled per slice, and refused when positions leave gaps, are
 * uneven, duplicate, or are sheared. `where` is what spacing errors are about (the folder, or the
 * multi-frame file); `singleSliceSpacing` is the thickness to give a one-slice volume.
 * Returns the volume and the slices in volume order.
 */
export function stackSlices(where: string, input: StackSlice[], singleSliceSpacing: number): { volume: ImageVolume; slices: StackSlice[] } {
  const slices = input.map((s) => checkSlice(s, input[0]));
  const { rows, cols, pixelSpacing } = slices[0];
  const [rowDir, colDir] = unitAxes(slices[0].orientation);
  const normal = cross(rowDir, colDir);
  const along = (p: number[]) => p[0] * normal[0] + p[1] * normal[1] + p[2] * normal[2];
  slices.sort((a, b) => along(a.position) - along(b.position));
  const d = slices.map((s) => along(s.position));
  const n = slices.length;

  let sliceSpacing: number;
  if (n === 1) {
    sliceSpacing = singleSliceSpacing;
  } else {
    const steps = d.slice(1).map((x, k) => x - d[k]);
    const typical = [...steps].sort((a, b) => a - b)[Math.floor((n - 1) / 2)];
    const tol = Math.max(SPACING_ABSOLUTE_TOLERANCE, SPACING_RELATIVE_TOLERANCE * typical);
    steps.forEach((step, k) => {
      if (step < tol) {
        throw new SliceSpacingError(where, 'one slice per position along the slice normal',
          `two slices at ${d[k].toFixed(3)} mm: ${slices[k].label} and ${slices[k + 1].label} ` +
            '(several echoes, phases or acquisitions in one series? export them as separate series)');
      }
    });
    steps.forEach((step, k) => {
      if (Math.abs(step - typical) > tol) {
        const gap = step > typical ? ` (about ${Math.round(step / typical) - 1} slice(s) missing?)` : '';
        throw new SliceSpacingError(where,
          `evenly spaced slices (${typical.toFixed(4)} mm apart, as most of the ${n} slices are, ±${tol.toFixed(3)} mm)`,
          `a step of ${step.toFixed(4)} mm between ${slices[k].label} and ${slices[k + 1].label}${gap}`);
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
      throw new UnsupportedLayoutError(where, 'slices stacked along the slice normal',
        `slice positions drift ${drift.toFixed(3)} mm in-plane over the stack (gantry tilt or sheared acquisition); resample to an orthogonal grid first`);
    }
  }

  const sliceVoxels = rows * cols;
  // Decoding slice 0 first checks that its pixel data really hold rows × cols values, so a corrupt
  // Rows/Columns is a CorruptFileError rather than a giant allocation.
  const firstFrame = slices[0].decode();
  const data = new Float32Array(sliceVoxels * n);
  slices.forEach((s, k) => {
    const frame = k === 0 ? firstFrame : s.decode();
    const { slope, intercept } = s.rescale;
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
  return { volume: { data, dims, spacing, origin: [...slices[0].position] as Volume['origin'], direction }, slices };
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
