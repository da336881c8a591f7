import { describe, expect, it } from '@jest/globals';
import { deriveTriangles } from '../src/morphology/marchingCubesDerivation.js';
import { TRIANGLES } from '../src/morphology/marchingCubesTable.js';
import { TRIANGLE_CODES } from '../src/morphology/marchingCubesTriangles.generated.js';
import { readFileSync } from 'node:fs';

// The stored table is generated (scripts/generate-marching-cubes-table.mjs); it must be exactly
// what the derivation gives today. The derivation itself is checked against scikit-image's
// marching cubes in morphology.test.ts, through the mesh built from this table.
describe('stored marching-cubes table', () => {
  it('equals the derivation, config by config (regenerate with scripts/generate-marching-cubes-table.mjs)', () => {
    const derived = deriveTriangles();
    expect(TRIANGLES).toHaveLength(256);
    TRIANGLES.forEach((stored, config) => expect([config, Array.from(stored)]).toEqual([config, derived[config]]));
  });

  it('every case is whole triangles over the 12 edges, empty only for an all-outside or all-inside cube', () => {
    TRIANGLES.forEach((t, config) => {
      expect(t.length % 3).toBe(0);
      expect(t.length === 0).toBe(config === 0 || config === 255);
      for (const e of t) expect(e >= 0 && e < 12).toBe(true);
    });
  });

  it('the native kernels\' copy (native/marchingCubesTriangles.generated.h) holds the same codes', () => {
    const header = readFileSync(new URL('../native/marchingCubesTriangles.generated.h', import.meta.url), 'utf8');
    const codes = /kTriangleCodes =\s*"([^"]*)"/.exec(header)?.[1];
    expect(codes).toBe(TRIANGLE_CODES);
  });
});
