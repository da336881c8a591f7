import type { ImageVolume } from '../volume.js';
import { TAG, num, str, type DataSet } from './dicomFile.js';
import { transferSyntax } from './transferSyntax.js';

/**
 * Lossy compression somewhere in the image's history: its current transfer syntax is lossy, or
 * LossyImageCompression (0028,2110) is "01" (compressed lossily once, then stored another way,
 * PS3.3 C.7.6.1.1.5). Lossy compression is a known confounder of texture features, so
 * provenance reports it.
 */
export interface LossyCompression {
  /** Transfer syntax of the file as read. */
  transferSyntax: string;
  transferSyntaxName: string;
  /** LossyImageCompressionRatio (0028,2112), the first value when several steps were applied. */
  ratio?: number;
  /** LossyImageCompressionMethod (0028,2114), e.g. ISO_15444_1 (JPEG 2000). */
  method?: string;
}

/** Acquisition parameters from the DICOM header; absent when the file does not state them. */
export interface DicomAcquisition {
  manufacturer?: string;
  model?: string;
  /** SliceThickness (0018,0050), mm. */
  sliceThickness?: number;
  /** KVP (0018,0060): CT tube voltage, kV. */
  kvp?: number;
  /** MagneticFieldStrength (0018,0087): MR field strength, tesla. */
  fieldStrength?: number;
}

/** Identity of the series a volume came from; masks (RTSTRUCT, SEG) are checked against it. */
export interface DicomSeriesInfo {
  seriesInstanceUid: string;
  frameOfReferenceUid?: string;
  studyInstanceUid?: string;
  modality?: string;
  patientId?: string;
  seriesDescription?: string;
  /**
   * How the series was acquired, as its first file states it (PS3.3 C.7.5.1, C.8.2.1, C.8.3.1):
   * what a site reports, as counts, so a study lead sees the scanners and protocols behind the features.
   */
  acquisition: DicomAcquisition;
  /** SOPInstanceUID of slice k, in volume order. */
  sopInstanceUids: string[];
  /** File of slice k, in volume order. */
  files: string[];
  /** Frame number (1-based) of slice k in its file, for a multi-frame object. */
  frames?: number[];
  /** Set when any slice was lossy-compressed: provenance must report it. */
  lossyCompression?: LossyCompression;
}

export type DicomImageVolume = ImageVolume & { dicom: DicomSeriesInfo };

/** The identity fields of DicomSeriesInfo, from one file of the series. */
export function seriesIdentity(ds: DataSet, uid: string | undefined = str(ds, TAG.SeriesInstanceUID)) {
  return {
    seriesInstanceUid: uid ?? '',
    frameOfReferenceUid: str(ds, TAG.FrameOfReferenceUID),
    studyInstanceUid: str(ds, TAG.StudyInstanceUID),
    modality: str(ds, TAG.Modality),
    patientId: str(ds, TAG.PatientID),
    seriesDescription: str(ds, TAG.SeriesDescription),
    acquisition: acquisitionOf(ds),
  };
}

function acquisitionOf(ds: DataSet): DicomAcquisition {
  const manufacturer = str(ds, TAG.Manufacturer)?.trim();
  const model = str(ds, TAG.ManufacturerModelName)?.trim();
  const sliceThickness = num(ds, TAG.SliceThickness);
  const kvp = num(ds, TAG.KVP);
  const fieldStrength = num(ds, TAG.MagneticFieldStrength);
  return {
    ...(manufacturer ? { manufacturer } : {}),
    ...(model ? { model } : {}),
    ...(sliceThickness !== undefined ? { sliceThickness } : {}),
    ...(kvp !== undefined ? { kvp } : {}),
    ...(fieldStrength !== undefined ? { fieldStrength } : {}),
  };
}

/** `{ lossyCompression }` from the first lossy file among `files`, else `{}`. */
export function lossyCompressionOf(files: DataSet[]): { lossyCompression?: LossyCompression } {
  for (const ds of files) {
    const ts = transferSyntax(str(ds, TAG.TransferSyntaxUID));
    if (!ts.lossy && str(ds, TAG.LossyImageCompression)?.trim() !== '01') continue;
    const ratio = num(ds, TAG.LossyImageCompressionRatio);
    const method = str(ds, TAG.LossyImageCompressionMethod)?.trim();
    return {
      lossyCompression: {
        transferSyntax: ts.uid,
        transferSyntaxName: ts.name,
        ...(ratio !== undefined ? { ratio } : {}),
        ...(method ? { method } : {}),
      },
    };
  }
  return {};
}
