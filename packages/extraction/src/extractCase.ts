import type { FeatureConfig } from '@fedrad/protocol';
import { readImage, readMask, type DicomAcquisition, type DicomSeriesInfo, type ImageVolume, type LossyCompression } from '@fedrad/imaging';
import { extractFeatures } from '@fedrad/radiomics';
import { contentHash, type ContentHash } from './contentHash.js';

/** One case of a cohort, as a manifest row gives it (paths absolute). */
export interface ExtractTask {
  id: string;
  image: string;
  mask: string;
  label?: number;
  roi?: string;
  config: FeatureConfig;
  /** The acquisition's time point, when the manifest has a `timepoint` column (then `id` is `<patient>@<timepoint>`). */
  timepoint?: string;
  /** The patient of a case with a time point. */
  patientId?: string;
  /** Further segmentations of the case (manifest columns mask2, mask3, …: other readers), for the reproducibility step; extraction reads `mask`. */
  segmentations?: string[];
  /** Crop a mask reaching beyond the image instead of refusing it (MASK_BEYOND_IMAGE); what was cut is recorded. */
  cropMaskToImage?: boolean;
}

/** How one case was made, for the output's provenance. */
export interface CaseProvenance {
  image: ContentHash;
  mask: ContentHash;
  /** What was taken from the mask file: `ROI "GTV_Mass_CT"`, `label 1`, … */
  roi: string;
  /** Mask voxels (or RTSTRUCT contour points) beyond the image, cropped on request. */
  croppedOutsideImage?: { count: number; unit: string };
  /** The DICOM PatientID of the image, when it is a DICOM series. */
  patientId?: string;
  /** How the image was acquired: what a site summarises, as counts, for its study lead (#13). */
  acquisition: CaseAcquisition;
  /** The image was stored with lossy compression (a known confounder of texture features): its transfer syntax and ratio. */
  lossyCompression?: LossyCompression;
}

/**
 * The acquisition of one case: the voxel grid as read (any format), and for a DICOM series its
 * modality and the header's scanner and protocol fields. A NIfTI or NRRD file states none of them.
 */
export interface CaseAcquisition extends DicomAcquisition {
  modality?: string;
  /** In-plane voxel spacing [x, y] and slice spacing of the image as read, mm. */
  pixelSpacing: [number, number];
  sliceSpacing: number;
}

export function caseAcquisition(image: ImageVolume, dicom: DicomSeriesInfo | undefined): CaseAcquisition {
  return {
    ...(dicom?.modality ? { modality: dicom.modality } : {}),
    ...(dicom?.acquisition ?? {}),
    pixelSpacing: [image.spacing[0], image.spacing[1]],
    sliceSpacing: image.spacing[2],
  };
}

export type ExtractOutcome =
  | { id: string; ok: true; features: Record<string, number>; diagnostics: Record<string, number>; provenance?: CaseProvenance }
  | { id: string; ok: false; code: string; message: string };

/** Reads, preprocesses and extracts one case. Throws the readers' and pipeline's typed errors. */
export function extractCase(task: ExtractTask): ExtractOutcome {
  const image = readImage(task.image);
  const mask = readMask(task.mask, image, { label: task.label, roi: task.roi, imagePath: task.image, cropToImage: task.cropMaskToImage });
  const { features, diagnostics } = extractFeatures({ image, mask, config: task.config, caseId: task.id });
  const dicom = (image as { dicom?: DicomSeriesInfo }).dicom;
  const patientId = dicom?.patientId;
  const provenance: CaseProvenance = {
    image: contentHash(task.image),
    mask: contentHash(task.mask),
    roi: mask.selected,
    acquisition: caseAcquisition(image, dicom),
    ...(mask.outsideImage ? { croppedOutsideImage: mask.outsideImage } : {}),
    ...(patientId ? { patientId } : {}),
    ...(dicom?.lossyCompression ? { lossyCompression: dicom.lossyCompression } : {}),
  };
  return { id: task.id, ok: true, features, diagnostics, provenance };
}

/**
 * Worker-thread entry (piscina loads this module in each worker of a cohort extraction and calls
 * the default export).
 * A failing case comes back as an outcome with its error code and message, never as a crash.
 */
export default function extractCaseTask(task: ExtractTask): ExtractOutcome {
  try {
    return extractCase(task);
  } catch (e) {
    const err = e as { code?: unknown; message?: string };
    return { id: task.id, ok: false, code: typeof err.code === 'string' ? err.code : 'EXTRACTION_FAILED', message: err.message ?? String(e) };
  }
}

