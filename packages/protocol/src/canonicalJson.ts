import { FedRadError } from './errors/fedRadError.js';
import { createHash } from 'node:crypto';

/** Options of canonicalJson. */
export interface CanonicalJsonOptions {
  /**
   * Arrays or objects printed as the given text instead of their canonical form: a caller
   * that stores a document's tensors apart (as bytes) marks them and splices them back.
   * The caller is responsible for the text being what it wants in that place.
   */
  substitute?: ReadonlyMap<object, string>;
}

/**
 * Canonical JSON: object keys sorted by UTF-16 code unit, no insignificant whitespace,
 * numbers as ECMAScript prints them (the JSON Canonicalization Scheme, RFC 8785, number
 * and string rules). Protocol hashes, model hashes and signatures all hash this form, so
 * two parties that hold the same document always agree on its hash.
 *
 * One pass that keeps no path; only when the value holds something JSON cannot (NaN, a
 * function, …) is it walked again to say where.
 */
export function canonicalJson(value: unknown, options: CanonicalJsonOptions = {}): string {
  const text = write(value, options.substitute);
  if (text !== undefined) return text;
  throw unrepresentable(value, '$') ?? new CanonicalJsonError('$ cannot be written as JSON', '$');
}

/** The canonical text, or undefined when something inside is not representable. */
function write(value: unknown, substitute: ReadonlyMap<object, string> | undefined): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : undefined;
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      const replaced = substitute?.get(value as object);
      if (replaced !== undefined) return replaced;
      if (value instanceof Set || value instanceof Map) return undefined;
      if (Array.isArray(value) || ArrayBuffer.isView(value)) {
        const items = value as ArrayLike<unknown>;
        // Tensors are long arrays of numbers: print them in one native call. JSON.stringify
        // prints a finite number with Number::toString, which is exactly RFC 8785's form.
        if (allFiniteNumbers(items)) return JSON.stringify(Array.isArray(items) ? items : Array.from(items as ArrayLike<number>));
        let out = '[';
        for (let i = 0; i < items.length; i++) {
          const item = write(items[i], substitute);
          if (item === undefined) return undefined;
          out += (i ? ',' : '') + item;
        }
        return out + ']';
      }
      const record = value as Record<string, unknown>;
      let out = '{';
      let first = true;
      for (const key of Object.keys(record).sort()) {
        const v = record[key];
        if (v === undefined) continue;
        const item = write(v, substitute);
        if (item === undefined) return undefined;
        out += (first ? '' : ',') + JSON.stringify(key) + ':' + item;
        first = false;
      }
      return out + '}';
    }
    default:
      return undefined;
  }
}

/** The first thing JSON cannot hold, as an error naming its path. */
function unrepresentable(value: unknown, path: string): CanonicalJsonError | undefined {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return new CanonicalJsonError(`${path} is ${value}; canonical JSON has no NaN or Infinity`, path);
  }
  if (value === null || ['boolean', 'number', 'string'].includes(typeof value)) return undefined;
  if (typeof value !== 'object') return new CanonicalJsonError(`${path} is a ${typeof value}, which JSON cannot hold`, path);
  // JSON would write a Set or Map as {}: two different ones would hash alike, so neither is written.
  if (value instanceof Set || value instanceof Map) return new CanonicalJsonError(`${path} is a ${value instanceof Set ? 'Set' : 'Map'}, which JSON would write as {}; give an array or a plain object`, path);
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    const items = value as ArrayLike<unknown>;
    for (let i = 0; i < items.length; i++) {
      const found = unrepresentable(items[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, v] of Object.entries(value as object)) {
    if (v === undefined) continue;
    const found = unrepresentable(v, `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}

function allFiniteNumbers(items: ArrayLike<unknown>): boolean {
  for (let i = 0; i < items.length; i++) {
    const x = items[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) return false;
  }
  return true;
}

/** SHA-256 (hex) of a value's canonical JSON: the one hash every document is known by. */
export function canonicalHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A value that canonical JSON cannot hold (NaN, a function, a cycle); `path` is its JSON path. */
export class CanonicalJsonError extends FedRadError {
  constructor(message: string, readonly path: string) {
    super('CANONICAL_JSON', message, { context: { field: path } });
  }
}
