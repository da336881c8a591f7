import {
  CorruptFileError,
  UnsupportedDatatypeError,
  UnsupportedFormatError,
} from '../errors.js';
import { BYTES_PER_SCALAR, decodeScalars, type ScalarType } from '../voxelDecode.js';
import { decodeCompressedFrame } from './codecs.js';
import { BIG_ENDIAN_TS, TAG, num, str, type DataSet, type Element } from './dicomFile.js';
import { encapsulatedFrame } from './encapsulatedFrames.js';
import { transferSyntax, type PixelCodec, type TransferSyntax } from './transferSyntax.js';

/** A transfer syntax no reader here decodes: the error names the file, the UID and its name. */
function unsupported(path: string, ts: TransferSyntax, expected: string): UnsupportedFormatError {
  return new UnsupportedFormatError(path, `pixel data in ${ts.name} (transfer syntax ${ts.uid})`, expected);
}

const DECODABLE = 'uncompressed, deflated, RLE Lossless, JPEG Lossless (process 14), JPEG-LS or JPEG 2000 DICOM; ' +
  'transcode others first, e.g. `gdcmconv --raw in out`';

/** The file's transfer syntax, refused when its pixel data cannot be decoded here. */
export function decodableTransferSyntax(ds: DataSet, path: string): TransferSyntax {
  const ts = transferSyntax(str(ds, TAG.TransferSyntaxUID));
  if (!ts.codec) throw unsupported(path, ts, DECODABLE);
  return ts;
}

/** Refuses encapsulated (compressed) pixel data, for objects read bit by bit (SEG). */
export function assertNativeTransferSyntax(ds: DataSet, path: string): void {
  const ts = transferSyntax(str(ds, TAG.TransferSyntaxUID));
  if (ts.codec !== 'native') {
    throw unsupported(path, ts, 'uncompressed DICOM (Implicit/Explicit VR Little Endian); decompress first, e.g. `dcmdjpeg in out` or `gdcmconv --raw in out`');
  }
}

/**
 * One frame of a single-sample image as Float32, before rescale. Handles BitsAllocated 8/16/32,
 * signed and unsigned (PixelRepresentation), BitsStored < BitsAllocated (bits above HighBit are
 * not part of the value, PS3.5 §8.1.1), float / double float pixel data, and compressed frames
 * (decoded by ./codecs.ts into the same little-endian sample layout as native data).
 */
export function decodeFrame(ds: DataSet, path: string, frame = 0): Float32Array {
  const ts = decodableTransferSyntax(ds, path);
  const rows = ds.uint16(TAG.Rows);
  const cols = ds.uint16(TAG.Columns);
  if (!rows || !cols) throw new CorruptFileError(path, 'Rows and Columns', 'missing image size');
  const samples = ds.uint16(TAG.SamplesPerPixel) ?? 1;
  const photometric = str(ds, TAG.PhotometricInterpretation) ?? 'MONOCHROME2';
  if (samples !== 1 || !photometric.startsWith('MONOCHROME')) {
    throw new UnsupportedDatatypeError(path, `${samples} sample(s) per pixel, ${photometric}`, 'greyscale (MONOCHROME1/2, 1 sample per pixel)');
  }
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
  let out: Float32Array;
  if (ts.codec === 'native') {
    const bytes = ds.byteArray as Uint8Array;
    const available = Math.min(el.length, bytes.length - el.dataOffset);
    if (available < (frame + 1) * frameBytes) {
      throw new CorruptFileError(
        path,
        `${(frame + 1) * frameBytes} bytes of pixel data (${rows}×${cols}, ${bitsAllocated} bit${frame ? `, frame ${frame + 1}` : ''})`,
        `${Math.max(available, 0)} bytes`,
      );
    }
    out = decodeScalars(bytes, el.dataOffset + frame * frameBytes, count, type, ts.uid !== BIG_ENDIAN_TS, path);
  } else {
    out = decodeCompressed(ds, el, ts, frame, { rows, cols, type, frameBytes }, path);
  }
  if (el !== floatEl) maskStoredBits(out, ds, bitsAllocated, signed);
  return out;
}

function decodeCompressed(
  ds: DataSet,
  el: Element,
  ts: TransferSyntax,
  frame: number,
  f: { rows: number; cols: number; type: ScalarType; frameBytes: number },
  path: string,
): Float32Array {
  const frameCount = num(ds, TAG.NumberOfFrames) ?? 1;
  const encoded = encapsulatedFrame(ds, el, frame, frameCount, path);
  let decoded;
  try {
    decoded = decodeCompressedFrame(ts.codec as Exclude<PixelCodec, 'native'>, encoded, f.cols, f.rows);
  } catch (e) {
    const why = e instanceof Error ? e.message : typeof e === 'number' ? `decoder error ${e}` : String(e);
    throw new CorruptFileError(path, `a decodable ${ts.name} frame (transfer syntax ${ts.uid}${frameCount > 1 ? `, frame ${frame + 1}` : ''})`, why);
  }
  if (decoded.width !== f.cols || decoded.height !== f.rows || decoded.bytes.length < f.frameBytes) {
    throw new CorruptFileError(
      path,
      `a ${f.cols}×${f.rows} frame of ${f.frameBytes} bytes (Columns × Rows, BitsAllocated)`,
      `the ${ts.name} stream decodes to ${decoded.width}×${decoded.height}, ${decoded.bytes.length} bytes`,
    );
  }
  return decodeScalars(decoded.bytes, 0, f.rows * f.cols, f.type, true, path);
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
