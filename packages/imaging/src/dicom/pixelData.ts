import {
  CorruptFileError,
  UnsupportedDatatypeError,
  UnsupportedFormatError,
} from '../errors.js';
import { BYTES_PER_SCALAR, decodeScalars, type ScalarType } from '../voxelDecode.js';
import { BIG_ENDIAN_TS, NATIVE_TRANSFER_SYNTAXES, TAG, num, str, type DataSet } from './dicomFile.js';

const COMPRESSED_TS_NAMES: Record<string, string> = {
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless SV1',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
};

/** Refuses encapsulated (compressed) pixel data with a message saying how to convert it. */
export function assertNativeTransferSyntax(ds: DataSet, path: string): void {
  const ts = str(ds, TAG.TransferSyntaxUID) ?? '1.2.840.10008.1.2';
  if (NATIVE_TRANSFER_SYNTAXES[ts]) return;
  const name = COMPRESSED_TS_NAMES[ts] ?? 'a compressed or unknown transfer syntax';
  throw new UnsupportedFormatError(
    path,
    `${name} (${ts})`,
    'uncompressed DICOM (Implicit/Explicit VR Little Endian); decompress first, e.g. `dcmdjpeg in out` or `gdcmconv --raw in out`',
  );
}

/**
 * One frame of a single-sample image as Float32, before rescale. Handles BitsAllocated 8/16/32,
 * signed and unsigned (PixelRepresentation), BitsStored < BitsAllocated (bits above HighBit are
 * not part of the value, PS3.5 §8.1.1) and float / double float pixel data.
 */
export function decodeFrame(ds: DataSet, path: string, frame = 0): Float32Array {
  assertNativeTransferSyntax(ds, path);
  const rows = ds.uint16(TAG.Rows);
  const cols = ds.uint16(TAG.Columns);
  if (!rows || !cols) throw new CorruptFileError(path, 'Rows and Columns', 'missing image size');
  const samples = ds.uint16(TAG.SamplesPerPixel) ?? 1;
  const photometric = str(ds, TAG.PhotometricInterpretation) ?? 'MONOCHROME2';
  if (samples !== 1 || !photometric.startsWith('MONOCHROME')) {
    throw new UnsupportedDatatypeError(path, `${samples} sample(s) per pixel, ${photometric}`, 'greyscale (MONOCHROME1/2, 1 sample per pixel)');
  }
  const littleEndian = str(ds, TAG.TransferSyntaxUID) !== BIG_ENDIAN_TS;
  const count = rows * cols;
  const floatEl = ds.elements[TAG.FloatPixelData] ?? ds.elements[TAG.DoubleFloatPixelData];
  const el = ds.elements[TAG.PixelData] ?? floatEl;
  if (!el) throw new CorruptFileError(path, 'pixel data (7FE0,0010)', 'no pixel data element');
  let type: ScalarType;
  const bitsAllocated = ds.uint16(TAG.BitsAllocated) ?? 16;
  const signed = ds.uint16(TAG.PixelRepresentation) === 1;
  if (el === floatEl) {
    type = el.tag === TAG.FloatPixelData ? 'float32' : 'float64';
  } else if (bitsAllocated === 8) type = signed ? 'int8' : 'uint8';
  else if (bitsAllocated === 16) type = signed ? 'int16' : 'uint16';
  else if (bitsAllocated === 32) type = signed ? 'int32' : 'uint32';
  else {
    throw new UnsupportedDatatypeError(path, `BitsAllocated ${bitsAllocated}`, 'BitsAllocated 8, 16 or 32');
  }
  const frameBytes = count * BYTES_PER_SCALAR[type];
  const bytes = ds.byteArray as Uint8Array;
  const available = Math.min(el.length, bytes.length - el.dataOffset);
  if (available < (frame + 1) * frameBytes) {
    throw new CorruptFileError(
      path,
      `${(frame + 1) * frameBytes} bytes of pixel data (${rows}×${cols}, ${bitsAllocated} bit${frame ? `, frame ${frame + 1}` : ''})`,
      `${Math.max(available, 0)} bytes`,
    );
  }
  const out = decodeScalars(bytes, el.dataOffset + frame * frameBytes, count, type, littleEndian, path);
  if (el !== floatEl) maskStoredBits(out, ds, bitsAllocated, signed);
  return out;
}

function maskStoredBits(v: Float32Array, ds: DataSet, bitsAllocated: number, signed: boolean): void {
  const bitsStored = ds.uint16(TAG.BitsStored) ?? bitsAllocated;
  const highBit = ds.uint16(TAG.HighBit) ?? bitsStored - 1;
  if (bitsStored >= bitsAllocated || bitsAllocated > 16) return;
  const shift = highBit + 1 - bitsStored;
  const mask = (1 << bitsStored) - 1;
  const signBit = 1 << (bitsStored - 1);
  const wrap = 1 << bitsStored;
  const full = 1 << bitsAllocated;
  for (let i = 0; i < v.length; i++) {
    let raw = v[i] < 0 ? v[i] + full : v[i]; // back to the unsigned bit pattern
    raw = (raw >> shift) & mask;
    v[i] = signed && raw & signBit ? raw - wrap : raw;
  }
}

/** Modality LUT (PS3.3 C.11.1): value · RescaleSlope + RescaleIntercept, defaults 1 and 0. */
export function rescaleOf(ds: DataSet): { slope: number; intercept: number } {
  return { slope: num(ds, TAG.RescaleSlope) ?? 1, intercept: num(ds, TAG.RescaleIntercept) ?? 0 };
}
