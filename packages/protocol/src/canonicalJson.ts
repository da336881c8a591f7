import { createHash } from 'node:crypto';

/**
 * Canonical JSON: object keys sorted by UTF-16 code unit, no insignificant whitespace,
 * numbers as ECMAScript prints them (the JSON Canonicalization Scheme, RFC 8785, number
 * and string rules). Protocol hashes, model hashes and signatures all hash this form, so
 * two parties that hold the same document always agree on its hash.
 */
export function canonicalJson(value: unknown): string {
  return serialise(value, '$');
}

function serialise(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) {
        throw new CanonicalJsonError(`${path} is ${value}; canonical JSON has no NaN or Infinity`, path);
      }
      return JSON.stringify(value);
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value) || ArrayBuffer.isView(value)) {
        const items = value as ArrayLike<unknown>;
        // Tensors are long arrays of numbers: print them in one native call. JSON.stringify
        // prints a finite number with Number::toString, which is exactly RFC 8785's form.
        if (allFiniteNumbers(items)) return JSON.stringify(Array.isArray(items) ? items : Array.from(items as ArrayLike<number>));
        const parts = new Array<string>(items.length);
        for (let i = 0; i < items.length; i++) parts[i] = serialise(items[i], `${path}[${i}]`);
        return '[' + parts.join(',') + ']';
      }
      const entries = Object.keys(value as object)
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        .sort()
        .map((key) => JSON.stringify(key) + ':' + serialise((value as Record<string, unknown>)[key], `${path}.${key}`));
      return '{' + entries.join(',') + '}';
    }
    default:
      throw new CanonicalJsonError(`${path} is a ${typeof value}, which JSON cannot hold`, path);
  }
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

export class CanonicalJsonError extends Error {
  readonly code = 'CANONICAL_JSON';
  constructor(message: string, readonly path: string) {
    super(message);
    this.name = 'CanonicalJsonError';
  }
}
