import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validate } from '@fedrad/protocol';
import { runJob } from '../src/jobs/runJob.js';
import { envelope, generateCohorts, readCsv } from './helpers.js';

let dir: string;
let site: { featuresCsv: string; outcomeCsv: string };
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'extract-'));
  site = generateCohorts(dir, 'site-a=33', 4).sites[0];
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('extract job (summaries of the registered feature table)', () => {
  it('returns n, mean and sample SD per feature (never a min or max, each being a single patient value) and the table SHA-256 — a valid extract-result', async () => {
    const result = (await runJob({
      envelope: envelope('extract', { kind: 'extract', featureConfig: {} }), siteId: 'site-a', minCohortSize: 5, workDir: dir,
      cohort: { name: 'local', features: site.featuresCsv, outcome: site.outcomeCsv },
    })) as { patientCount: number; summaries: Array<{ name: string; n: number; mean: number; sd: number; min?: number; max?: number }>; featureTableHash: string };
    expect(validate('extract-result', result)).toEqual({ valid: true });
    const { header, rows } = readCsv(site.featuresCsv);
    expect(result.patientCount).toBe(33);
    expect(result.featureTableHash).toBe(createHash('sha256').update(readFileSync(site.featuresCsv)).digest('hex'));
    header.slice(1).forEach((name, j) => {
      const v = rows.map((r) => Number(r[j + 1]));
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
      const s = result.summaries[j];
      expect(s.name).toBe(name);
      expect(s.n).toBe(33);
      expect(s.mean).toBeCloseTo(mean, 10);
      expect(s.sd).toBeCloseTo(sd, 10);
      expect(s.min).toBeUndefined();
      expect(s.max).toBeUndefined();
    });
  });
});
