import { FedRadError } from '@fedrad/protocol';

/**
 * One error class per kind of reading failure. Each carries a stable `code`, the file it is
 * about, and what was expected vs what was found, so a site operator can act on the message
 * and a caller (CLI, site node) can branch on the class without parsing text. The file, what was
 * expected and what was found sit in the FedRadError context (file, expected, found).
 */
export abstract class ImagingError extends FedRadError {
  protected constructor(code: string, message: string, ctx: { path: string; expected?: string; found?: string }, cause?: unknown) {
    super(code, message, { context: { file: ctx.path, expected: ctx.expected, found: ctx.found }, cause });
  }

  /** The file (or folder) the failure is about (context.file). */
  get path(): string {
    return this.context.file!;
  }
  get expected(): string | undefined {
    return this.context.expected;
  }
  get found(): string | undefined {
    return this.context.found;
  }
}

/** The file is shorter than its header says, or its bytes do not decode (bad gzip, bad tags). */
export class CorruptFileError extends ImagingError {
  constructor(path: string, expected: string, found: string, cause?: unknown) {
    super('CORRUPT_FILE', `${path}: corrupt or truncated file: expected ${expected}, found ${found}.`, { path, expected, found }, cause);
  }
}

/** The file or folder does not exist or cannot be read. */
export class FileNotFoundError extends ImagingError {
  constructor(path: string, detail: string, cause?: unknown) {
    super('FILE_NOT_FOUND', `${path}: cannot read: ${detail}.`, { path, expected: 'a readable file or folder', found: detail }, cause);
  }
}

/** The file type (or its encoding, e.g. a compressed DICOM transfer syntax) is not one we read. */
export class UnsupportedFormatError extends ImagingError {
  constructor(
    path: string,
    found: string,
    expected = 'NIfTI (.nii, .nii.gz), NRRD (.nrrd, .nhdr, .seg.nrrd), a DICOM file or a DICOM series folder',
  ) {
    super('UNSUPPORTED_FORMAT', `${path}: unsupported file type (${found}); expected ${expected}.`, { path, expected, found });
  }
}

/** The voxel type cannot be stored as an intensity (complex, RGB, 128-bit float, …). */
export class UnsupportedDatatypeError extends ImagingError {
  constructor(path: string, found: string, expected: string) {
    super('UNSUPPORTED_DATATYPE', `${path}: unsupported voxel datatype ${found}; expected one of ${expected}.`, { path, expected, found });
  }
}

/**
 * The image is readable but not a single 3D scalar volume on an orthogonal grid
 * (a time series, a sheared affine, a multi-frame file with varying geometry, …).
 */
export class UnsupportedLayoutError extends ImagingError {
  constructor(path: string, expected: string, found: string) {
    super('UNSUPPORTED_LAYOUT', `${path}: ${found}; expected ${expected}.`, { path, expected, found });
  }
}

/** A DICOM series whose slices do not form one regular grid (gap, uneven spacing, duplicate). */
export class SliceSpacingError extends ImagingError {
  constructor(path: string, expected: string, found: string) {
    super(
      'SLICE_SPACING',
      `${path}: slices do not form a regular grid: expected ${expected}, found ${found}. ` +
        'Check that the series is complete (no missing or duplicated slice files).',
      { path, expected, found },
    );
  }
}

/** A folder holds no DICOM image series, or more than one where one was required. */
export class SeriesSelectionError extends ImagingError {
  constructor(path: string, expected: string, found: string) {
    super('SERIES_SELECTION', `${path}: expected ${expected}, found ${found}.`, { path, expected, found });
  }
}

/** Text used for one geometry in a grid-mismatch message. */
export interface GridDescription {
  dims: readonly number[];
  spacing: readonly number[];
  origin: readonly number[];
  direction: readonly number[];
}

function fmt(xs: readonly number[]): string {
  return '[' + xs.map((x) => +x.toFixed(4)).join(', ') + ']';
}

export function describeGrid(g: GridDescription): string {
  return `dims ${fmt(g.dims)}, spacing ${fmt(g.spacing)} mm, origin ${fmt(g.origin)} mm (LPS), direction ${fmt(g.direction)}`;
}

/** Mask and image are not on the same voxel grid in world space. */
export class GridMismatchError extends ImagingError {
  readonly imagePath: string;
  readonly maskPath: string;
  constructor(imagePath: string, maskPath: string, image: GridDescription, mask: GridDescription, what: string) {
    const expected = describeGrid(image);
    const found = describeGrid(mask);
    super(
      'GRID_MISMATCH',
      `mask ${maskPath} is not on the grid of image ${imagePath} (different ${what}). ` +
        `Image: ${expected}. Mask: ${found}. Re-export the mask on the image's grid.`,
      { path: maskPath, expected, found },
    );
    this.imagePath = imagePath;
    this.maskPath = maskPath;
  }
}

/** The mask (or the selected label / ROI of it) holds no voxel. */
export class EmptyMaskError extends ImagingError {
  constructor(path: string, expected: string, found = '0 mask voxels') {
    super('EMPTY_MASK', `${path}: mask is empty: expected ${expected}, found ${found}.`, { path, expected, found });
  }
}

/** The mask has voxels, but none of them falls inside the image. */
export class MaskOutsideImageError extends ImagingError {
  constructor(path: string, imagePath: string, found: string) {
    super(
      'MASK_OUTSIDE_IMAGE',
      `${path}: no mask voxel lies inside image ${imagePath} (${found}). ` +
        'Check that the mask belongs to this image (same patient, same series).',
      { path, expected: `mask voxels inside ${imagePath}`, found },
    );
  }
}

/** Intensities that are not numbers (NaN / ±Inf) where features would be computed. */
export class NanVoxelsError extends ImagingError {
  readonly count: number;
  constructor(path: string, count: number, where: string) {
    super(
      'NAN_VOXELS',
      `${path}: ${count} voxel(s) ${where} are NaN or infinite; expected finite intensities.`,
      { path, expected: 'finite intensities', found: `${count} non-finite voxel(s) ${where}` },
    );
    this.count = count;
  }
}

/** A named structure (RTSTRUCT ROI, SEG / seg.nrrd segment) or label that the file does not hold. */
export class UnknownRoiError extends ImagingError {
  readonly available: string[];
  constructor(path: string, requested: string, available: string[]) {
    const list = available.length ? available.map((a) => `"${a}"`).join(', ') : '(none)';
    super('UNKNOWN_ROI', `${path}: no ROI/segment ${requested}; the file holds: ${list}.`, {
      path,
      expected: requested,
      found: list,
    });
    this.available = available;
  }
}

/** The mask was made for another image (different frame of reference / series). */
export class ReferenceMismatchError extends ImagingError {
  constructor(path: string, imagePath: string, expected: string, found: string) {
    super(
      'REFERENCE_MISMATCH',
      `${path} does not belong to image ${imagePath}: expected ${expected}, found ${found}. ` +
        'Pair each mask with the series it was drawn on.',
      { path, expected, found },
    );
  }
}

/**
 * Part of the mask lies beyond the image: cropping it would silently compute features on a
 * smaller ROI than the one drawn. Refused unless the caller asked to crop (`cropToImage`,
 * the CLI's `--crop-mask-to-image`), which then records the count.
 */
export class MaskBeyondImageError extends ImagingError {
  readonly count: number;
  constructor(path: string, imagePath: string, count: number, what: string) {
    super(
      'MASK_BEYOND_IMAGE',
      `${path}: ${count} ${what} lie beyond the extent of image ${imagePath}; features would be computed on the part inside only. ` +
        'Check that the mask belongs to this image (same series, not shifted), or crop it explicitly with --crop-mask-to-image.',
      { path, expected: `every mask voxel inside ${imagePath}`, found: `${count} ${what} outside` },
    );
    this.count = count;
  }
}
