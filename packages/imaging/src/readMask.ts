import { TAG, readDicomFile, str } from './dicom/dicomFile.js';
import { readDicomSeg } from './dicom/dicomSeg.js';
import { readRtstruct, readRtstructRois } from './dicom/rtstruct.js';
import { MaskBeyondImageError, MaskOutsideImageError, NanVoxelsError, UnknownRoiError, UnsupportedFormatError } from './errors.js';
import { fileKind } from './fileKind.js';
import { placeOnGrid } from './grid.js';
import { labelToMask, scanMaskedValues } from './maskChecks.js';
import { readNiftiLabels } from './nifti.js';
import { parseNrrdHeader, readNrrd } from './nrrd.js';
import { readFileBytes } from './fileBytes.js';
import { isSlicerSegmentation, readSegNrrd } from './segNrrd.js';
import type { ImageVolume, MaskVolume } from './volume.js';

export interface MaskSelection {
  /** Label value (label images, seg.nrrd label value, SEG segment number, RTSTRUCT ROI number). */
  label?: number;
  /** Structure name (RTSTRUCT ROI, SEG segment label, seg.nrrd segment name). */
  roi?: string;
  /** The image's path, for messages. */
  imagePath?: string;
  /**
   * Crop a mask that reaches beyond the image to the image (default false: refused with
   * MaskBeyondImageError). What was cut is returned in `outsideImage`.
   */
  cropToImage?: boolean;
}

/** What of a mask lay beyond the image and was cropped (only with `cropToImage`). */
export interface OutsideImage {
  count: number;
  unit: 'voxels' | 'contour points';
}

/** A binary mask on the image's grid, with what was selected from the file and what was cropped. */
export type CaseMask = MaskVolume & { voxelCount: number; selected: string; outsideImage?: OutsideImage };

/**
 * Reads a mask for `referenceImage` from a label image (NIfTI, NRRD), a 3D Slicer .seg.nrrd, a
 * DICOM SEG or an RTSTRUCT, and returns it on the image's grid. Refuses, with typed errors: a mask
 * on another grid, an empty selection, a mask entirely outside the image, a mask partly outside
 * the image (unless `cropToImage`), and NaN intensities inside the mask.
 */
export function readMask(path: string, referenceImage: ImageVolume, sel: MaskSelection = {}): CaseMask {
  const imagePath = sel.imagePath ?? 'the image';
  const paths = { imagePath, maskPath: path };
  let mask: MaskVolume;
  let selected: string;
  let outside: OutsideImage | undefined;
  const kind = fileKind(path);
  if (kind === 'dicom') {
    const modality = str(readDicomFile(path, TAG.PixelData), TAG.Modality);
    if (modality === 'RTSTRUCT') {
      const roi = sel.roi ?? rtstructRoiByNumberOrSole(path, sel.label);
      const m = readRtstruct(path, referenceImage, roi, imagePath);
      mask = m;
      selected = `ROI "${m.roiName}"`;
      if (m.pointsOutside > 0) outside = { count: m.pointsOutside, unit: 'contour points' };
    } else if (modality === 'SEG') {
      const m = readDicomSeg(path, referenceImage, sel, imagePath);
      mask = m;
      selected = `segment "${m.segmentName}"`;
      if (m.voxelsOutside > 0) outside = { count: m.voxelsOutside, unit: 'voxels' };
    } else {
      const swapped = modality === 'CT' || modality === 'MR' || modality === 'PT' ? ', an image slice (were the image and the mask swapped?)' : '';
      throw new UnsupportedFormatError(path, `a DICOM ${modality ?? ''} object${swapped}`, 'a mask: NIfTI/NRRD label image, .seg.nrrd, DICOM SEG or RTSTRUCT');
    }
  } else {
    let fileMask: MaskVolume;
    if (kind === 'nrrd' && isSlicerSegmentation(parseNrrdHeader(readFileBytes(path), path).keyValues)) {
      const m = readSegNrrd(path, sel);
      fileMask = m;
      selected = `segment "${m.segmentName}"`;
    } else if (kind === 'nifti' || kind === 'nrrd') {
      if (sel.roi !== undefined) {
        throw new UnknownRoiError(path, `"${sel.roi}" (a plain label image has label values, not names: use a label)`, []);
      }
      fileMask = labelToMask(kind === 'nifti' ? readNiftiLabels(path) : readNrrd(path), path, sel.label);
      selected = sel.label === undefined ? 'non-zero voxels' : `label ${sel.label}`;
    } else {
      throw new UnsupportedFormatError(
        path,
        'a DICOM folder: a mask is one file (give the RTSTRUCT or SEG file itself, not its folder; if this folder holds the image series, were the image and the mask swapped?)',
        'a mask file: NIfTI/NRRD label image, .seg.nrrd, DICOM SEG or RTSTRUCT',
      );
    }
    const placed = placeOnGrid(fileMask, referenceImage, paths);
    mask = placed.mask;
    const scan = scanMaskedValues(referenceImage, mask);
    if (scan.count === 0) {
      throw new MaskOutsideImageError(path, imagePath, `${placed.dropped} mask voxel(s) of ${selected}, all beyond the image extent`);
    }
    if (placed.dropped > 0) outside = { count: placed.dropped, unit: 'voxels' };
  }
  if (outside && !sel.cropToImage) throw new MaskBeyondImageError(path, imagePath, outside.count, `${outside.unit} of ${selected}`);
  const scan = scanMaskedValues(referenceImage, mask);
  if (scan.nonFinite) throw new NanVoxelsError(imagePath, scan.nonFinite, 'inside the mask');
  return { ...mask, voxelCount: scan.count, selected, ...(outside ? { outsideImage: outside } : {}) };
}

function rtstructRoiByNumberOrSole(path: string, label?: number): string {
  const rois = readRtstructRois(path);
  if (label !== undefined) {
    const m = rois.find((r) => r.number === label);
    if (!m) throw new UnknownRoiError(path, `ROI number ${label}`, rois.map((r) => `${r.name} (ROI ${r.number})`));
    return m.name;
  }
  if (rois.length === 1) return rois[0].name;
  throw new UnknownRoiError(path, 'an ROI name (the structure set holds several)', rois.map((r) => r.name));
}
