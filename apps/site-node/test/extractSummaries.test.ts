import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalHash, validate, type ExtractResult } from '@fedrad/protocol';
import { radiomicsEngineSha256, verifyIbsiPhantom } from '@fedrad/extraction';
import { recordedFeatureConfig } from '@fedrad/radiomics';
import { runJob } from '../src/jobs/runJob.js';
import { envelope, generateCohorts, readCsv, repoRoot } from './helpers.js';

let dir: string;
let site: { featuresCsv: string; outcomeCsv: string };
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'extract-'));
  site = generateCohorts(dir, 'site-a=33', 4).sites[0];
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The provenance `fedrad extract --out` writes beside a table: here only the field the site reads, the config's hash with defaults. */
function writeProvenance(table: string, configSha256: string): void {
  writeFileSync(`${table}.provenance.json`, JSON.stringify({ type: 'fedrad-provenance', command: 'fedrad extract', config: { sha256: configSha256 } }));
}

const job = (featureConfig: Record<string, unknown>) => ({
  envelope: envelope('extract', { kind: 'extract', featureConfig }), siteId: 'site-a', minCohortSize: 5, workDir: dir,
  cohort: { name: 'local', features: site.featuresCsv, outcome: site.outcomeCsv },
});

describe('extract job (summaries of the registered feature table)', () => {
  it("refuses a table with no provenance, or one extracted with another config, naming both hashes: the job's config is never ignored", async () => {
    rmSync(`${site.featuresCsv}.provenance.json`, { force: true });
    await expect(runJob(job({}))).rejects.toMatchObject({ code: 'COHORT_INVALID', message: expect.stringContaining('without provenance') });
    const other = canonicalHash(recordedFeatureConfig({ families: ['morphology'] }));
    writeProvenance(site.featuresCsv, other);
    const wanted = canonicalHash(recordedFeatureConfig({}));
    await expect(runJob(job({}))).rejects.toMatchObject({ message: expect.stringContaining(`extracted with feature config ${other}`) });
    await expect(runJob(job({}))).rejects.toMatchObject({ message: expect.stringContaining(`not the campaign's ${wanted}`) });
  });

  it("refuses a config that does not hash to the hash the job pins", async () => {
    const pinned = job({});
    (pinned.envelope.params as unknown as Record<string, unknown>).featureConfigHash = 'ef'.repeat(32);
    await expect(runJob(pinned)).rejects.toMatchObject({ code: 'JOB_INPUT_INVALID', message: expect.stringContaining(`not to the ${'ef'.repeat(32)} it pins`) });
  });

  it('returns n, mean and sample SD per feature (never a min or max, each being a single patient value) and the table SHA-256 — a valid extract-result', async () => {
    writeProvenance(site.featuresCsv, canonicalHash(recordedFeatureConfig({})));
    const result = (await runJob(job({}))) as { patientCount: number; summaries: Array<{ name: string; n: number; mean: number; sd: number; min?: number; max?: number }>; featureTableHash: string };
    expect(validate('extract-result', result)).toEqual({ valid: true });
    const { header, rows } = readCsv(site.featuresCsv);
    expect(result.patientCount).toBe(33);
    expect((result as { featureConfigHash?: string }).featureConfigHash).toBe(canonicalHash({}));
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

  // RQS item 3: the site declares the record `fedrad verify-ibsi` wrote (here by the same function,
  // on ../shared/ibsi); the result carries its hash and counts, and whether this engine made it.
  it('carries the declared IBSI verification: the record file\'s hash and counts, and that this node\'s version and engine made it', async () => {
    writeProvenance(site.featuresCsv, canonicalHash(recordedFeatureConfig({})));
    const record = verifyIbsiPhantom(join(repoRoot, '../shared/ibsi'), '0.1.0');
    const file = join(dir, 'ibsi.json');
    writeFileSync(file, JSON.stringify(record));
    const result = (await runJob({ ...job({}), ibsiVerification: file })) as unknown as ExtractResult;
    expect(validate('extract-result', result)).toEqual({ valid: true });
    expect(result.ibsiVerification).toEqual({
      recordSha256: createHash('sha256').update(readFileSync(file)).digest('hex'), softwareVersion: '0.1.0', engineSha256: radiomicsEngineSha256(),
      featuresChecked: 482, featuresMatched: 482, passed: true, ranThisEngine: true,
    });
    // A record of another build (its engine hash differs) or one claiming a pass it does not show earns nothing here.
    writeFileSync(file, JSON.stringify({ ...record, engineSha256: 'ab'.repeat(32), featuresMatched: 481 }));
    const other = (await runJob({ ...job({}), ibsiVerification: file })) as unknown as ExtractResult;
    expect(other.ibsiVerification).toMatchObject({ passed: false, ranThisEngine: false });
    // No declaration, no field; a declared file that is not a record is refused by name.
    expect((await runJob(job({})) as unknown as ExtractResult).ibsiVerification).toBeUndefined();
    writeFileSync(file, JSON.stringify({ passed: true }));
    await expect(runJob({ ...job({}), ibsiVerification: file })).rejects.toMatchObject({ code: 'SITE_CONFIG', message: expect.stringContaining('not one `fedrad verify-ibsi` writes') });
  });
});
