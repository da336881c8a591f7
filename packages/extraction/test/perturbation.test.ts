import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ImageVolume, MaskVolume } from '@fedrad/imaging';
import { parseFeatureConfig } from '@fedrad/radiomics';
import {
  PerturbationSpecError, addNoise, dilateMask, erodeMask, estimateNoiseSd, extractPerturbed, parsePerturbation, perturbationName, rigidResample,
} from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../../..');
const ibsi = join(repo, '../shared/ibsi/ibsi1');
const phantom = join(ibsi, 'digital_phantom');
const phantomConfig = join(repo, 'packages/radiomics/configs/ibsi-digital-phantom.json');

const geometry = { spacing: [1, 1, 1] as [number, number, number], origin: [0, 0, 0] as [number, number, number], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] as ImageVolume['direction'] };
const maskOf = (dims: [number, number, number], inside: (i: number, j: number, k: number) => boolean): MaskVolume => {
  const data = new Uint8Array(dims[0] * dims[1] * dims[2]);
  for (let k = 0; k < dims[2]; k++) for (let j = 0; j < dims[1]; j++) for (let i = 0; i < dims[0]; i++) data[i + dims[0] * (j + dims[1] * k)] = inside(i, j, k) ? 1 : 0;
  return { data, dims, ...geometry };
};
const imageOf = (dims: [number, number, number], value: (i: number, j: number, k: number) => number): ImageVolume => {
  const data = new Float32Array(dims[0] * dims[1] * dims[2]);
  for (let k = 0; k < dims[2]; k++) for (let j = 0; j < dims[1]; j++) for (let i = 0; i < dims[0]; i++) data[i + dims[0] * (j + dims[1] * k)] = value(i, j, k);
  return { data, dims, ...geometry };
};
const count = (m: MaskVolume) => m.data.reduce((a, v) => a + v, 0);

describe('perturbation specs', () => {
  it('reads every kind and writes it back', () => {
    for (const spec of ['none', 'rotate:-10', 'translate:0.5,0,0.25', 'noise', 'noise:12', 'dilate:1', 'erode:2']) expect(perturbationName(parsePerturbation(spec))).toBe(spec);
  });
  it('refuses a malformed one with the syntax', () => {
    for (const spec of ['spin:3', 'rotate:x', 'translate:1,2', 'erode:0', 'dilate:1.5', 'noise:-1']) expect(() => parsePerturbation(spec)).toThrow(PerturbationSpecError);
    expect(() => parsePerturbation('spin:3')).toThrow(/expected one of none, rotate:DEGREES/);
  });
});

// Closed forms: 6-connected dilation of one voxel by r steps is the octahedron |di|+|dj|+|dk| ≤ r
// (1, 7, 25 voxels for r = 0, 1, 2); erosion of an s³ cube by one step is the (s − 2)³ cube.
describe('ROI dilation and erosion', () => {
  const dims: [number, number, number] = [7, 7, 7];
  it('dilation grows a voxel into the octahedron', () => {
    const dot = maskOf(dims, (i, j, k) => i === 3 && j === 3 && k === 3);
    expect(count(dilateMask(dot, 1))).toBe(7);
    expect(count(dilateMask(dot, 2))).toBe(25);
  });
  it('erosion shrinks a cube by a voxel per side', () => {
    const cube = maskOf(dims, (i, j, k) => [i, j, k].every((x) => x >= 1 && x <= 5));
    expect(count(erodeMask(cube, 1))).toBe(27);
    expect(count(erodeMask(cube, 2))).toBe(1);
    expect(count(erodeMask(cube, 3))).toBe(0);
  });
});

describe('rotation and translation', () => {
  const dims: [number, number, number] = [5, 5, 1];
  const centre = maskOf(dims, (i, j) => Math.abs(i - 2) <= 1 && Math.abs(j - 2) <= 1);
  const image = imageOf(dims, (i, j) => 10 * i + j);
  it('90° about the ROI centroid permutes the voxels: out(i, j) = in(j, 4 − i)', () => {
    const r = rigidResample(image, centre, 90, [0, 0, 0]);
    for (let j = 0; j < 5; j++) for (let i = 0; i < 5; i++) expect(r.image.data[i + 5 * j]).toBeCloseTo(10 * j + (4 - i), 4);
    expect(count(r.mask)).toBe(9);
  });
  it('0° and no shift is the identity', () => {
    const r = rigidResample(image, centre, 0, [0, 0, 0]);
    expect(r.image.data).toEqual(image.data);
    expect(r.mask.data).toEqual(centre.data);
  });
  it('half a voxel along i interpolates a linear ramp exactly; a whole voxel moves the ROI by one', () => {
    const r = rigidResample(image, centre, 0, [0.5, 0, 0]);
    for (let j = 0; j < 5; j++) for (let i = 1; i < 5; i++) expect(r.image.data[i + 5 * j]).toBeCloseTo(10 * (i - 0.5) + j, 4);
    const moved = rigidResample(image, centre, 0, [1, 0, 0]).mask;
    expect(moved.data).toEqual(maskOf(dims, (i, j) => i >= 2 && i <= 4 && Math.abs(j - 2) <= 1).data);
  });
});

describe('noise', () => {
  const dims: [number, number, number] = [40, 40, 40];
  const flat = imageOf(dims, () => 100);
  it('seeded: the same seed adds the same noise, of the requested sd', () => {
    const a = addNoise(flat, 3, 7);
    expect(addNoise(flat, 3, 7).data).toEqual(a.data);
    const mean = a.data.reduce((s, v) => s + v, 0) / a.data.length;
    const sd = Math.sqrt(a.data.reduce((s, v) => s + (v - mean) ** 2, 0) / (a.data.length - 1));
    expect(Math.abs(sd - 3) / 3).toBeLessThan(0.01);
  });
  it('the MAD estimate recovers the sd of Gaussian noise (Donoho & Johnstone 1994)', () => {
    expect(Math.abs(estimateNoiseSd(addNoise(flat, 3, 11)) - 3) / 3).toBeLessThan(0.03);
    expect(estimateNoiseSd(flat)).toBe(0);
  });
});

describe('extraction under perturbations (IBSI digital phantom)', () => {
  const config = parseFeatureConfig(readFileSync(phantomConfig, 'utf8'), phantomConfig);
  const task = { id: 'P1', image: join(phantom, 'phantom.nii.gz'), mask: join(phantom, 'mask.nii.gz'), config };
  it('one table per perturbation; the identities equal the unperturbed case, whose volume is the IBSI reference', () => {
    const run = extractPerturbed([task], ['none', 'rotate:0', 'translate:0,0,0', 'dilate:1'].map(parsePerturbation), 3);
    expect(run.perturbations).toEqual(['none', 'rotate:0', 'translate:0,0,0', 'dilate:1']);
    const [none, rotated, translated, dilated] = run.tables;
    expect(rotated.values).toEqual(none.values);
    expect(translated.values).toEqual(none.values);
    const volume = none.featureNames.indexOf('morph_volume');
    expect(Number(none.values[volume].toPrecision(3))).toBe(556); // IBSI 1 reference, digital phantom: 556 mm³
    expect(dilated.values[volume]).toBeGreaterThan(none.values[volume]);
  });
  it('noise on an image whose config reads grey levels as they are is refused by the pipeline (use FBN or FBS)', () => {
    expect(() => extractPerturbed([task], [parsePerturbation('noise:5')], 3)).toThrow(/discretisation 'none' needs integer grey levels/);
  });
  it('an erosion that leaves no ROI is refused naming the case', () => {
    expect(() => extractPerturbed([task], [parsePerturbation('erode:3')])).toThrow(/case P1: erode:3 leaves no voxel of the ROI/);
  });
});
