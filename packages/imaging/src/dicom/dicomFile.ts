import type { DataSet, Element, ParseDicomOptions } from 'dicom-parser';
import { createRequire } from 'node:module';
import { inflateRawSync } from 'node:zlib';
import { CorruptFileError } from '../errors.js';
import { readFileBytes } from '../fileBytes.js';

export type { DataSet, Element };

/** Tags used by the readers, in dicom-parser's "xGGGGEEEE" form (names from DICOM PS3.6). */
export const TAG = {
  TransferSyntaxUID: 'x00020010',
  SOPClassUID: 'x00080016',
  SOPInstanceUID: 'x00080018',
  Modality: 'x00080060',
  Manufacturer: 'x00080070',
  ManufacturerModelName: 'x00081090',
  SeriesDescription: 'x0008103e',
  PatientID: 'x00100020',
  SliceThickness: 'x00180050',
  KVP: 'x00180060',
  MagneticFieldStrength: 'x00180087',
  SpacingBetweenSlices: 'x00180088',
  StudyInstanceUID: 'x0020000d',
  SeriesInstanceUID: 'x0020000e',
  InstanceNumber: 'x00200013',
  ImagePositionPatient: 'x00200032',
  ImageOrientationPatient: 'x00200037',
  FrameOfReferenceUID: 'x00200052',
  SamplesPerPixel: 'x00280002',
  PhotometricInterpretation: 'x00280004',
  NumberOfFrames: 'x00280008',
  Rows: 'x00280010',
  Columns: 'x00280011',
  PixelSpacing: 'x00280030',
  BitsAllocated: 'x00280100',
  BitsStored: 'x00280101',
  HighBit: 'x00280102',
  PixelRepresentation: 'x00280103',
  RescaleIntercept: 'x00281052',
  RescaleSlope: 'x00281053',
  LossyImageCompression: 'x00282110',
  LossyImageCompressionRatio: 'x00282112',
  LossyImageCompressionMethod: 'x00282114',
  PixelMeasuresSequence: 'x00289110',
  PixelValueTransformationSequence: 'x00289145',
  PlanePositionSequence: 'x00209113',
  PlaneOrientationSequence: 'x00209116',
  SharedFunctionalGroupsSequence: 'x52009229',
  PerFrameFunctionalGroupsSequence: 'x52009230',
  PixelData: 'x7fe00010',
  FloatPixelData: 'x7fe00008',
  DoubleFloatPixelData: 'x7fe00009',
} as const;

export const BIG_ENDIAN_TS = '1.2.840.10008.1.2.2';

/** A DICOM Part 10 file starts with a 128-byte preamble then "DICM" (PS3.10 §7.1). */
export function hasDicomMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

/** Deflated transfer syntax: the data set after the meta header is raw-deflated (PS3.5 §A.5). */
function inflater(bytes: Uint8Array, position: number): Uint8Array {
  const inflated = inflateRawSync(bytes.subarray(position));
  const out = new Uint8Array(position + inflated.length);
  out.set(bytes.subarray(0, position));
  out.set(inflated, position);
  return out;
}

// dicom-parser takes about 20 ms to import: it is loaded with the first DICOM file read, so
// NIfTI and NRRD cohorts (and their worker threads) never load it.
let parseDicom: typeof import('dicom-parser').parseDicom | undefined;

/** Parses DICOM bytes; any parser failure becomes a CorruptFileError naming the file. */
export function parseDicomBytes(bytes: Uint8Array, path: string, untilTag?: string): DataSet {
  if (!hasDicomMagic(bytes)) {
    throw new CorruptFileError(path, 'a DICOM Part 10 file ("DICM" at byte 128)', `${bytes.length} bytes without the DICM marker`);
  }
  try {
    parseDicom ??= (createRequire(import.meta.url)('dicom-parser') as typeof import('dicom-parser')).parseDicom;
    return parseDicom(bytes, { untilTag, inflater } as ParseDicomOptions);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new CorruptFileError(path, 'a complete DICOM data set', `parse error: ${msg}`, e);
  }
}

export function readDicomFile(path: string, untilTag?: string): DataSet {
  return parseDicomBytes(readFileBytes(path), path, untilTag);
}

export function str(ds: DataSet, tag: string): string | undefined {
  const s = ds.string(tag);
  return s === undefined || s === '' ? undefined : s;
}

/**
 * A multi-valued decimal/integer string (DS/IS, backslash-separated) as numbers. Decodes the
 * element's bytes in one native call: dicom-parser's string() builds strings a character at a
 * time, which dominated reading RTSTRUCTs (ContourData runs to megabytes).
 */
export function numbers(ds: DataSet, tag: string): number[] | undefined {
  const el = ds.elements[tag];
  if (!el || !(el.length > 0)) return undefined;
  const bytes = ds.byteArray as Uint8Array;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + el.dataOffset, Math.min(el.length, bytes.length - el.dataOffset))
    .toString('latin1')
    .replace(/[\0 ]+$/, '');
  if (text === '') return undefined;
  return text.split('\\').map((x) => Number(x.trim()));
}

export function num(ds: DataSet, tag: string): number | undefined {
  const v = numbers(ds, tag);
  return v && Number.isFinite(v[0]) ? v[0] : undefined;
}

/** The data sets of a sequence's items (empty when absent). */
export function items(ds: DataSet, tag: string): DataSet[] {
  const el = ds.elements[tag];
  return (el?.items ?? []).map((it) => it.dataSet).filter((d): d is DataSet => d !== undefined);
}
