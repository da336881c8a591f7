import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { meshMeasures, hullCandidateVertices } from '../src/morphology/mesh.js';
import { convexHull, maxPairDistance } from '../src/morphology/convexHull.js';
import { morphologyCoefficients } from '../src/morphology/morphologyCoefficients.js';
import { MORPHOLOGY_FEATURES } from '../src/morphology/morphologyFeatures.js';
import { evaluateFeatures } from '../src/featureDefinition.js';
import { digitalPhantom, referenceValues, round3 } from './ibsiReference.js';

const fixture = JSON.parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'fixtures/morphology-skimage.json'), 'utf8'),
) as { cases: Array<{ dims: [number, number, number]; spacing: [number, number, number]; mask: number[]; meshVolume: number; meshArea: number; hullVolume: number; hullArea: number; maxDiameter: number; pcaEigenvalues: number[] }> };

describe('marching cubes mesh (scikit-image fixture, scripts/fixtures/radiomics/morphology_fixture.py)', () => {
  it.each(fixture.cases.map((c, i) => [i, c] as const))('case %i: mesh volume, area, hull and diameter match', (_i, c) => {
    const mask = Uint8Array.from(c.mask);
    const mesh = meshMeasures(mask, c.dims, c.spacing);
    expect(mesh.volume).toBeCloseTo(c.meshVolume, 6);
    expect(mesh.area).toBeCloseTo(c.meshArea, 6);
    const hull = convexHull(hullCandidateVertices(mask, c.dims, c.spacing));
    expect(hull.volume).toBeCloseTo(c.hullVolume, 6);
    expect(hull.area).toBeCloseTo(c.hullArea, 6);
    expect(maxPairDistance(hull.vertices)).toBeCloseTo(c.maxDiameter, 6);
    const coeffs = morphologyCoefficients({ morphologicalMask: mask, intensityMask: mask, intensities: new Float32Array(mask.length).map((_, k) => k % 7), dims: c.dims, spacing: c.spacing });
    coeffs.eigenvalues.forEach((l, k) => expect(l).toBeCloseTo(c.pcaEigenvalues[k], 6));
  });
});

describe('morphology on the IBSI digital phantom', () => {
  const p = digitalPhantom();
  const features = evaluateFeatures(
    MORPHOLOGY_FEATURES,
    morphologyCoefficients({ morphologicalMask: p.mask, intensityMask: p.mask, intensities: p.image, dims: p.dims, spacing: p.spacing }),
  );
  const rows = referenceValues().filter((r) => r.dataset === 'digital_phantom' && r.family === 'morphology' && r.value !== null);
  it('covers every phantom morphology reference', () => {
    expect(rows.length).toBe(25);
  });
  it.each(rows.map((r) => [r.tag, r] as const))('%s matches the IBSI value to 3 significant digits', (tag, r) => {
    expect(round3(features[tag])).toBe(round3(r.value!));
  });
  it('tags and codes agree with the IBSI table', () => {
    for (const r of rows) expect(MORPHOLOGY_FEATURES.find((f) => f.tag === r.tag)?.code).toBe(r.ibsiCode);
  });
});
