import { FedRadError } from './errors/fedRadError.js';
import { endianness } from 'node:os';
import type { PackedTensor } from './generated/types.js';

/** A tensor whose values are any array of numbers (a JSON array or a Float64Array view). */
export interface TensorValues {
  name: string;
  shape: number[];
  data: ArrayLike<number>;
}

export function isPackedTensor(t: unknown): t is PackedTensor {
  return !!t && typeof t === 'object' && typeof (t as PackedTensor).f64le === 'string';
}

const shapeSize = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * Values a PackedTensor's base64 decodes to, computed from the text alone (RFC 4648 §4: every 4
 * characters carry 3 bytes, less one per '=' of padding), or -1 when the length is not a
 * multiple of 8 bytes.
 */
export function packedValueCount(t: PackedTensor): number {
  const s = t.f64le;
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const bytes = s.length % 4 === 0 ? (s.length / 4) * 3 - pad : -1;
  return bytes >= 0 && bytes % 8 === 0 ? bytes / 8 : -1;
}

/** A tensor as a PackedTensor (the wire form site nodes send model updates in). */
export function packTensor(t: TensorValues): PackedTensor {
  assertLittleEndian();
  const values = t.data instanceof Float64Array ? t.data : Float64Array.from(t.data);
  return { name: t.name, shape: [...t.shape], f64le: Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64') };
}

/** A packed tensor whose bytes disagree with its shape or are not canonical base64. */
export class PackedTensorError extends FedRadError {
  constructor(message: string, tensor?: string) {
    super('PACKED_TENSOR', message, { context: { tensor } });
  }
}

/**
 * The values of a PackedTensor, refusing base64 that is not in canonical form (so one value
 * array has exactly one packed text, and a stored tensor re-packs to the signed bytes) or whose
 * length disagrees with the shape.
 */
export function unpackTensor(t: PackedTensor): { name: string; shape: number[]; data: Float64Array } {
  assertLittleEndian();
  const bytes = Buffer.from(t.f64le, 'base64');
  if (bytes.toString('base64') !== t.f64le) throw new PackedTensorError(`tensor "${t.name}": f64le is not canonical base64 (RFC 4648 alphabet, padded, no whitespace)`, t.name);
  const n = shapeSize(t.shape);
  if (bytes.length !== 8 * n) throw new PackedTensorError(`tensor "${t.name}": f64le holds ${bytes.length} bytes, its shape [${t.shape.join(', ')}] needs ${8 * n}`, t.name);
  // A copy, not a view: Buffer.from may hand back a slice of a shared pool, not 8-byte aligned.
  const data = new Float64Array(n);
  new Uint8Array(data.buffer).set(bytes);
  return { name: t.name, shape: [...t.shape], data };
}

function assertLittleEndian(): void {
  if (endianness() !== 'LE') throw new Error('Packed tensors are little-endian Float64; this CPU is big-endian');
}
