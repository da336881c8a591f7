import { endianness } from 'node:os';
import { canonicalJson, isPackedTensor, packTensor, unpackTensor, type PackedTensor, type Tensor } from '@fedrad/protocol';

/** What is signed, and how it is stored (SITE_CHANNEL.md §3, "keeps exactly what the site signed"). */
export interface SignedForms {
  /** canonicalJson of the job-result without its signature: the signed bytes (UTF-8). */
  signed: string;
  /**
   * The same text with each model-update tensor's values replaced by their count (`data` or
   * `f64le` holds a number); equals `signed` when nothing was elided.
   */
  shell: string;
  /** The elided values, tensor after tensor, as Float64 (null when nothing was elided). */
  tensorData: Float64Array | null;
  /** Why the update's tensors could not be read (a packed tensor with bad base64 or length). */
  tensorError?: string;
}

/**
 * Canonicalises a job-result (without signature) once and splits it for storage: the values of
 * its result's tensors (a model update's) go to a Float64 blob (8 bytes each, read back without
 * parsing), the rest stays canonical text. Tensors come as JSON number arrays (`data`, printed
 * once here) or packed (`f64le`, base64 of the same bytes: printed as the string it is, decoded
 * natively).
 * rebuildSigned() turns shell and blob back into the exact signed bytes.
 */
export function signedForms(unsigned: Record<string, unknown>): SignedForms {
  const tensors = updateTensors(unsigned);
  if (tensors) {
    // Each tensor is printed on its own and stands in the document's text as a NUL-delimited
    // index (NUL never occurs raw in JSON text, so the split below is exact).
    const marks = new Map<object, string>();
    tensors.forEach((t, i) => marks.set(t, PLACEHOLDER + i + PLACEHOLDER));
    const text = marks.size === tensors.length ? canonicalJson(unsigned, { substitute: marks }) : undefined;
    // Each placeholder must appear once, in tensor order (an object shared elsewhere in the document would break that).
    const parts = text?.split(PLACEHOLDER);
    if (parts && parts.length === 2 * tensors.length + 1 && tensors.every((_, i) => parts[2 * i + 1] === String(i))) {
      let values: Array<ArrayLike<number>>;
      try {
        values = tensors.map((t) => (isPackedTensor(t) ? unpackTensor(t).data : t.data));
      } catch (e) {
        const signed = canonicalJson(unsigned);
        return { signed, shell: signed, tensorData: null, tensorError: (e as Error).message };
      }
      let signed = parts[0];
      let shell = parts[0];
      let total = 0;
      tensors.forEach((t, i) => {
        const n = values[i].length;
        signed += (isPackedTensor(t) ? packedCanonical(t) : canonicalJson(t)) + parts[2 * i + 2];
        shell += canonicalJson(isPackedTensor(t) ? { ...t, f64le: n } : { ...t, data: n }) + parts[2 * i + 2];
        total += n;
      });
      const tensorData = new Float64Array(total);
      let offset = 0;
      for (const v of values) {
        tensorData.set(v, offset);
        offset += v.length;
      }
      return { signed, shell, tensorData };
    }
  }
  const signed = canonicalJson(unsigned);
  return { signed, shell: signed, tensorData: null };
}

/**
 * canonicalJson of a packed tensor that unpackTensor accepted: its f64le is then canonical base64,
 * which JSON prints as it is (no character needs escaping), so the 10 kB string is not scanned
 * again. Keys in canonical order: f64le, name, shape.
 */
function packedCanonical(t: PackedTensor): string {
  const keys = Object.keys(t);
  if (keys.length !== 3) return canonicalJson(t);
  return `{"f64le":"${t.f64le}","name":${JSON.stringify(t.name)},"shape":${JSON.stringify(t.shape)}}`;
}

/** The exact signed text from a stored shell and its Float64 blob (inverse of signedForms). */
export function rebuildSigned(shell: string, tensorData: Float64Array | null): string {
  if (!tensorData) return shell;
  const doc = JSON.parse(shell) as { result: { tensors: Array<{ name: string; shape: number[]; data?: unknown; f64le?: unknown }> } };
  let offset = 0;
  for (const t of doc.result.tensors) {
    const packed = typeof t.f64le === 'number';
    const n = (packed ? t.f64le : t.data) as number;
    const values = tensorData.subarray(offset, offset + n);
    if (packed) t.f64le = packTensor({ name: t.name, shape: t.shape, data: values }).f64le;
    else t.data = Array.from(values);
    offset += n;
  }
  if (offset !== tensorData.length) throw new Error(`stored tensor data holds ${tensorData.length} values but the signed shell names ${offset}`);
  return canonicalJson(doc);
}

/** Float64 bytes as stored in SQLite (IEEE 754, little-endian: a Float64Array's own order on x64 and arm64). */
export function float64Bytes(values: Float64Array): Buffer {
  if (endianness() !== 'LE') throw new Error('The coordinator stores tensors as little-endian Float64 and needs a little-endian CPU');
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

/** A stored blob as Float64 values (a view when aligned, else a copy). */
export function float64sOf(blob: Uint8Array): Float64Array {
  const bytes = blob.byteOffset % 8 === 0 ? blob : new Uint8Array(blob);
  return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
}

// A raw NUL never occurs in canonical JSON (JSON.stringify escapes U+0000), so it can mark where tensor data goes.
const PLACEHOLDER = '\u0000';

/**
 * The tensors of a result body that carries a tensor list (a model update, or any other kind's
 * result with `tensors`; reports, which have a `type`, never do), each finite JSON numbers or
 * packed, else undefined. Whatever the kind, the split is lossless: rebuildSigned restores it.
 */
function updateTensors(doc: Record<string, unknown>): Array<Tensor | PackedTensor> | undefined {
  const result = doc.result as { type?: unknown; tensors?: unknown } | undefined;
  if (!result || typeof result !== 'object' || result.type !== undefined || !Array.isArray(result.tensors)) return undefined;
  const tensors = result.tensors as Array<{ name?: unknown; shape?: unknown; data?: unknown; f64le?: unknown }>;
  const readable = (t: (typeof tensors)[number]): boolean =>
    !!t && typeof t === 'object' && typeof t.name === 'string' && Array.isArray(t.shape) &&
    (typeof t.f64le === 'string' ? t.data === undefined : Array.isArray(t.data) && t.data.every(Number.isFinite));
  return tensors.every(readable) ? (tensors as Array<Tensor | PackedTensor>) : undefined;
}
