import { endianness } from 'node:os';
import { canonicalJson } from '@fedrad/protocol';

/** What is signed, and how it is stored (SITE_CHANNEL.md §3, "keeps exactly what the site signed"). */
export interface SignedForms {
  /** canonicalJson of the job-result without its signature: the signed bytes (UTF-8). */
  signed: string;
  /** The same text with each model-update tensor's data array replaced by its length; equals `signed` when nothing was elided. */
  shell: string;
  /** The elided numbers, tensor after tensor, as Float64 (null when nothing was elided). */
  tensorData: Float64Array | null;
}

/**
 * Canonicalises a job-result (without signature) once and splits it for storage: the tensor
 * numbers of a model update go to a Float64 blob (8 bytes each instead of ~20 characters of text,
 * read back without parsing), the rest stays canonical text. rebuildSigned() turns the two back
 * into the exact signed bytes.
 */
export function signedForms(unsigned: Record<string, unknown>): SignedForms {
  const tensors = updateTensors(unsigned);
  if (tensors) {
    // Each tensor's numbers are printed once, by canonicalJson itself, and stand in the text as
    // a NUL-delimited index (NUL never occurs raw in JSON text, so the split below is exact).
    const marks = new Map<object, string>();
    tensors.forEach((t, i) => marks.set(t.data, PLACEHOLDER + i + PLACEHOLDER));
    const text = marks.size === tensors.length ? canonicalJson(unsigned, { substitute: marks }) : undefined;
    // Each placeholder must appear once, in tensor order (an array shared elsewhere in the document would break that).
    const parts = text?.split(PLACEHOLDER);
    if (parts && parts.length === 2 * tensors.length + 1 && tensors.every((_, i) => parts[2 * i + 1] === String(i))) {
      const texts = tensors.map((t) => canonicalJson(t.data));
      let signed = parts[0];
      let shell = parts[0];
      let total = 0;
      for (let i = 0; i < tensors.length; i++) {
        signed += texts[i] + parts[2 * i + 2];
        shell += String(tensors[i].data.length) + parts[2 * i + 2];
        total += tensors[i].data.length;
      }
      const tensorData = new Float64Array(total);
      let offset = 0;
      for (const t of tensors) {
        tensorData.set(t.data, offset);
        offset += t.data.length;
      }
      return { signed, shell, tensorData };
    }
  }
  const signed = canonicalJson(unsigned);
  return { signed, shell: signed, tensorData: null };
}

/** The exact signed text from a stored shell and its Float64 blob (inverse of signedForms). */
export function rebuildSigned(shell: string, tensorData: Float64Array | null): string {
  if (!tensorData) return shell;
  const doc = JSON.parse(shell) as { result: { tensors: Array<{ data: unknown }> } };
  let offset = 0;
  for (const t of doc.result.tensors) {
    const n = t.data as number;
    t.data = Array.from(tensorData.subarray(offset, offset + n));
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

/** The tensors of a model-update result whose data is plain finite numbers, else undefined. */
function updateTensors(doc: Record<string, unknown>): Array<{ data: number[] }> | undefined {
  const result = doc.result as { type?: unknown; kind?: unknown; tensors?: unknown } | undefined;
  if (!result || typeof result !== 'object' || result.type !== undefined || result.kind !== 'train-round' || !Array.isArray(result.tensors)) return undefined;
  const tensors = result.tensors as Array<{ data?: unknown }>;
  if (!tensors.every((t) => t && typeof t === 'object' && Array.isArray(t.data) && t.data.every(Number.isFinite))) return undefined;
  return tensors as Array<{ data: number[] }>;
}
