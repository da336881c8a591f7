import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNifti } from '@fedrad/imaging';
// The built package: piscina's worker threads load dist/extractCase.js, outside jest.
import { deltaFeatures, extractCohort, ExtractionInputError, readManifest } from '../dist/index.js';

// Delta-radiomics (#12.6): a manifest with a time point column gives, per patient, the baseline
// values and the absolute and relative change at every later time point.
const dir = mkdtempSync(join(tmpdir(), 'fedrad-delta-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A 12³ image of a smooth ramp (values 100…) with a 6³ cube ROI; `shift` is added to every voxel. */
function writeCase(name: string, shift: number): void {
  const n = 12;
  const data = new Float32Array(n * n * n);
  const mask = new Uint8Array(n * n * n);
  for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) {
    const idx = i + n * (j + n * k);
    data[idx] = 100 + 3 * i + 2 * j + k + shift;
    mask[idx] = i >= 3 && i < 9 && j >= 3 && j < 9 && k >= 3 && k < 9 ? 1 : 0;
  }
  const grid = { dims: [n, n, n] as [number, number, number], spacing: [1, 1, 1] as [number, number, number], origin: [0, 0, 0] as [number, number, number], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] as [number, number, number, number, number, number, number, number, number] };
  writeNifti({ ...grid, data }, join(dir, `${name}.nii.gz`));
  writeNifti({ ...grid, data: mask }, join(dir, `${name}-roi.nii.gz`));
}

describe('delta features', () => {
  it('gives baseline, absolute and relative change: a +10 shift changes the mean by exactly 10 and neither the variance nor the volume', async () => {
    writeCase('p1-pre', 0);
    writeCase('p1-post', 10);
    writeCase('p2-pre', 5);
    writeCase('p2-post', 5);
    writeFileSync(join(dir, 'timepoints.csv'), ['id,timepoint,image,mask', 'P1,pre,p1-pre.nii.gz,p1-pre-roi.nii.gz', 'P2,pre,p2-pre.nii.gz,p2-pre-roi.nii.gz', 'P1,post,p1-post.nii.gz,p1-post-roi.nii.gz', 'P2,post,p2-post.nii.gz,p2-post-roi.nii.gz'].join('\n') + '\n');
    const tasks = readManifest(join(dir, 'timepoints.csv'), {});
    expect(tasks.map((t) => t.id)).toEqual(['P1@pre', 'P2@pre', 'P1@post', 'P2@post']);
    const run = await extractCohort({ tasks, config: { families: ['morphology', 'intensity_statistics'] }, workers: 1 });
    const delta = deltaFeatures(tasks, run.outcomes);
    expect(delta.timepoints).toEqual(['pre', 'post']);
    const [p1, p2] = delta.outcomes;
    if (!p1.ok || !p2.ok) throw new Error('both patients have both time points');
    expect([p1.id, p2.id]).toEqual(['P1', 'P2']);
    // The ROI holds the ramp 100 + 3i + 2j + k over i, j, k ∈ 3…8: its mean is 100 + 6·5.5 = 133.
    expect(p1.features['stat_mean.pre']).toBeCloseTo(133, 9);
    expect(p1.features['stat_mean.delta.post']).toBeCloseTo(10, 9);
    expect(p1.features['stat_mean.rel.post']).toBeCloseTo(10 / 133, 9);
    expect(p1.features['stat_var.delta.post']).toBeCloseTo(0, 9);
    expect(p1.features['morph_volume.delta.post']).toBe(0);
    expect(p2.features['stat_mean.delta.post']).toBeCloseTo(0, 9);
  }, 60_000);

  it('returns a patient missing a time point, or failing at one, as a failure naming it; drops a relative change whose baseline is 0', () => {
    const tasks = [
      { id: 'A@t0', patientId: 'A', timepoint: 't0', image: '', mask: '', config: {} },
      { id: 'A@t1', patientId: 'A', timepoint: 't1', image: '', mask: '', config: {} },
      { id: 'B@t0', patientId: 'B', timepoint: 't0', image: '', mask: '', config: {} },
      { id: 'C@t0', patientId: 'C', timepoint: 't0', image: '', mask: '', config: {} },
      { id: 'C@t1', patientId: 'C', timepoint: 't1', image: '', mask: '', config: {} },
      { id: 'D@t0', patientId: 'D', timepoint: 't0', image: '', mask: '', config: {} },
      { id: 'D@t1', patientId: 'D', timepoint: 't1', image: '', mask: '', config: {} },
    ];
    const ok = (id: string, f: Record<string, number>) => ({ id, ok: true as const, features: f, diagnostics: {} });
    const outcomes = [
      ok('A@t0', { x: 2, y: 0 }), ok('A@t1', { x: 5, y: 1 }),
      ok('B@t0', { x: 1, y: 1 }),
      ok('C@t0', { x: 1, y: 1 }), { id: 'C@t1', ok: false as const, code: 'EMPTY_ROI', message: 'no voxel' },
      ok('D@t0', { x: -4, y: 2 }), ok('D@t1', { x: -2, y: 2 }),
    ];
    const delta = deltaFeatures(tasks, outcomes);
    expect(delta.outcomes.map((o) => [o.id, o.ok])).toEqual([['A', true], ['B', false], ['C', false], ['D', true]]);
    expect(delta.outcomes[1]).toMatchObject({ code: 'DELTA_INCOMPLETE', message: 'patient B: no case at time point(s) t1' });
    expect(delta.outcomes[2]).toMatchObject({ message: 'patient C: time point t1 failed (EMPTY_ROI: no voxel)' });
    expect(delta.noRelativeChange).toEqual(['y']);
    expect(delta.outcomes[3]).toEqual({ id: 'D', ok: true, features: { 'x.t0': -4, 'y.t0': 2, 'x.delta.t1': 2, 'x.rel.t1': 0.5, 'y.delta.t1': 0 }, diagnostics: {} });
  });

  it('refuses a manifest column it does not know, a time point that cannot name a column, and a patient twice at one time point', () => {
    for (const [header, row, message] of [
      ['id,image,mask,visit', 'P1,a.nii,b.nii,1', 'unknown column(s) "visit"'],
      ['id,timepoint,image,mask', 'P1,week 4,a.nii,b.nii', 'time point "week 4" must be 1–32 letters'],
      ['id,timepoint,image,mask', 'P1,pre,a.nii,b.nii\nP1,pre,c.nii,d.nii', 'case id P1 at time point pre appears twice'],
    ] as const) {
      writeFileSync(join(dir, 'bad.csv'), `${header}\n${row}\n`);
      expect(() => readManifest(join(dir, 'bad.csv'), {})).toThrow(ExtractionInputError);
      expect(() => readManifest(join(dir, 'bad.csv'), {})).toThrow(message);
    }
  });
});

