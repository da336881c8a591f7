/**
 * The transfer syntaxes of pixel data (PS3.5 §8, §A.4; names from PS3.6 Table A-1), what each
 * is decoded with, and whether it loses information. Lossy compression is recorded on the
 * volume: it is a known confounder of texture features.
 */
export type PixelCodec = 'native' | 'jpeg-lossless' | 'jpeg-ls' | 'jpeg2000' | 'rle';

export interface TransferSyntax {
  uid: string;
  name: string;
  /** How the pixel data is decoded; undefined when no reader here decodes it. */
  codec?: PixelCodec;
  lossy: boolean;
}

const TABLE: Array<[string, string, PixelCodec | undefined, boolean]> = [
  ['1.2.840.10008.1.2', 'Implicit VR Little Endian', 'native', false],
  ['1.2.840.10008.1.2.1', 'Explicit VR Little Endian', 'native', false],
  // The data set after the meta header is raw-deflated (PS3.5 §A.5): inflated when parsed.
  ['1.2.840.10008.1.2.1.99', 'Deflated Explicit VR Little Endian', 'native', false],
  ['1.2.840.10008.1.2.2', 'Explicit VR Big Endian', 'native', false],
  ['1.2.840.10008.1.2.4.50', 'JPEG Baseline (Process 1)', undefined, true],
  ['1.2.840.10008.1.2.4.51', 'JPEG Extended (Process 2 & 4)', undefined, true],
  ['1.2.840.10008.1.2.4.57', 'JPEG Lossless, Non-Hierarchical (Process 14)', 'jpeg-lossless', false],
  ['1.2.840.10008.1.2.4.70', 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14, SV1)', 'jpeg-lossless', false],
  ['1.2.840.10008.1.2.4.80', 'JPEG-LS Lossless', 'jpeg-ls', false],
  ['1.2.840.10008.1.2.4.81', 'JPEG-LS Lossy (Near-Lossless)', 'jpeg-ls', true],
  ['1.2.840.10008.1.2.4.90', 'JPEG 2000 (Lossless Only)', 'jpeg2000', false],
  ['1.2.840.10008.1.2.4.91', 'JPEG 2000', 'jpeg2000', true],
  ['1.2.840.10008.1.2.4.100', 'MPEG2 Main Profile @ Main Level', undefined, true],
  ['1.2.840.10008.1.2.4.201', 'High-Throughput JPEG 2000 (Lossless Only)', undefined, false],
  ['1.2.840.10008.1.2.4.202', 'High-Throughput JPEG 2000 with RPCL Options (Lossless Only)', undefined, false],
  ['1.2.840.10008.1.2.4.203', 'High-Throughput JPEG 2000', undefined, true],
  ['1.2.840.10008.1.2.5', 'RLE Lossless', 'rle', false],
];

const BY_UID = new Map(TABLE.map(([uid, name, codec, lossy]) => [uid, { uid, name, codec, lossy }]));

/** A file without (0002,0010) is Implicit VR Little Endian, the default syntax (PS3.5 §10.1). */
export const DEFAULT_TRANSFER_SYNTAX = '1.2.840.10008.1.2';

export function transferSyntax(uid: string | undefined): TransferSyntax {
  const key = uid ?? DEFAULT_TRANSFER_SYNTAX;
  return BY_UID.get(key) ?? { uid: key, name: 'an unknown transfer syntax', lossy: false };
}
