import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalJson, validate } from '@fedrad/protocol';
import { canonicalJsonWithTensors } from '../src/core/resultWire.js';

// The shortcut must agree with @fedrad/protocol's canonicalJson on every input.
const examples = join(dirname(fileURLToPath(import.meta.url)), '../../../protocols/examples/job-result');
const exampleDocs = readdirSync(examples).map((f) => JSON.parse(readFileSync(join(examples, f), 'utf8')) as Record<string, unknown>);
const base = exampleDocs.find((d) => validate('job-result', d).valid)!;

const edgeNumbers = [-0, 0, 1e21, 1e-7, 5e-324, 0.1 + 0.2, -1.7976931348623157e308, 123456789012345680000, 1 / 3, -2.5e-10];
const withTensors = (data: number[], name = 'coef') => ({
  ...base,
  result: { kind: 'train-round', round: 3, sampleCount: 9, contents: 'parameters', tensors: [{ name, shape: [data.length], data }, { name: 'b"é\\', shape: [1], data: [data[0]] }] },
});

describe('canonicalJsonWithTensors', () => {
  it('equals canonicalJson on tensors with edge-case numbers, odd names and nested positions', () => {
    for (const doc of [withTensors(edgeNumbers), withTensors([1, 2, 3], 'x"y'), { list: [{ name: 'n', shape: [2], data: [1.5, -0] }], data: [3, 4] }, { name: 'n', shape: [0], data: [] }, ...exampleDocs]) {
      expect(canonicalJsonWithTensors(doc)).toBe(canonicalJson(doc));
    }
  });
  it('strings with quotes, escapes and control characters, and arrays of mixed items, print as canonicalJson does', () => {
    const doc = { note: '"fedrad-tensor-0"\u0000\n', t: { name: 'a', shape: [1], data: [7] }, mixed: [1, 'x', null, true, [2.5, -0]], typed: new Float64Array([0.1, 3]) };
    expect(canonicalJsonWithTensors(doc)).toBe(canonicalJson(doc));
  });
  it('throws canonicalJson\'s error for what JSON cannot hold', () => {
    for (const bad of [{ t: { name: 'a', shape: [2], data: [1, Number.NaN] } }, { a: [1, undefined] }, { x: Infinity }]) {
      expect(() => canonicalJsonWithTensors(bad)).toThrow(expect.objectContaining({ code: 'CANONICAL_JSON' }) as unknown as Error);
      expect(() => canonicalJson(bad)).toThrow(expect.objectContaining({ code: 'CANONICAL_JSON' }) as unknown as Error);
    }
  });
});
