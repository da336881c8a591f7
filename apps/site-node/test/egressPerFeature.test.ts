import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalHash, type JobEnvelope } from '@fedrad/protocol';
import { recordedFeatureConfig } from '@fedrad/radiomics';
import { answeredFeatures } from '../src/answeredFeatures.js';
import { CohortRegistry } from '../src/cohortRegistry.js';
import { checkEgress, type EgressContext } from '../src/egressGuard.js';
import { runJob } from '../src/jobs/runJob.js';
import { envelope, generateCohorts, readCsv } from './helpers.js';

// A site whose cohort has as many patients as features (8 × 8): its real extract summaries and
// harmonisation moments must leave, while a per-patient list of the same length is still blocked.
// The reference for "per-feature" is the feature table's own header (read here with a plain split).
const N = 8;
let dir: string;
let cohort: { name: string; features: string; outcome: string };
let features: string[];
let patientIds: string[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'egress-per-feature-'));
  const site = generateCohorts(dir, `site-a=${N}`, N).sites[0];
  cohort = { name: 'local', features: site.featuresCsv, outcome: site.outcomeCsv };
  const table = readCsv(site.featuresCsv);
  features = table.header.slice(1);
  patientIds = table.rows.map((r) => r[0]);
  writeFileSync(`${site.featuresCsv}.provenance.json`, JSON.stringify({ type: 'fedrad-provenance', command: 'fedrad extract', config: { sha256: canonicalHash(recordedFeatureConfig({})) } }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const input = (job: JobEnvelope) => ({ envelope: job, siteId: 'site-a', minCohortSize: 5, workDir: dir, cohort });
const extractJob = () => envelope('extract', { kind: 'extract', featureConfig: {}, cohort: 'local' });
const momentsJob = () => envelope('harmonize', { kind: 'harmonize', stage: 'moments', method: 'combat', features, cohort: 'local' });
const jobResult = (job: JobEnvelope, result: unknown) => ({
  type: 'job-result', jobId: job.jobId, campaignId: job.campaignId, siteId: 'site-a', protocolHash: job.protocolHash, kind: job.kind, attempt: 1, nonce: job.nonce, completedAt: new Date().toISOString(), result,
});
/** The context the daemon builds for a summary job's answer (siteDaemon.answer → EgressGate). */
function contextFor(job: JobEnvelope): EgressContext {
  const registry = CohortRegistry.load([cohort]);
  const featureNames = answeredFeatures(job, registry, undefined);
  return { localPatientCounts: registry.patientCounts(), patientIds: registry.patientIds(), minCohortSize: 5, ...(featureNames ? { featureNames } : {}) };
}
const rules = (v: ReturnType<typeof checkEgress>) => (v.allowed ? [] : v.violations.map((x) => `${x.rule} ${x.path}`));

describe('egress guard: a site with as many features as patients', () => {
  it('knows the features each summary job answers about, from the job or the table it read', () => {
    const registry = CohortRegistry.load([cohort]);
    expect(registry.patientCounts()).toEqual([N]);
    expect(features).toHaveLength(N);
    expect(answeredFeatures(extractJob(), registry, undefined)).toEqual(features);
    expect(answeredFeatures(momentsJob(), registry, undefined)).toEqual(features);
    expect(answeredFeatures(envelope('train-round', { kind: 'train-round', cohort: 'local' }), registry, undefined)).toBeUndefined();
  });

  it('lets its real extract summaries and harmonisation moments leave', async () => {
    for (const job of [extractJob(), momentsJob()]) {
      const result = await runJob(input(job));
      const verdict = checkEgress('job-result', jobResult(job, result), contextFor(job));
      expect(rules(verdict)).toEqual([]);
      // Without the job's features the guard is as strict as it always was: blocked by length.
      const { featureNames: _known, ...blind } = contextFor(job);
      const blocked = rules(checkEgress('job-result', jobResult(job, result), blind));
      expect(blocked.length).toBeGreaterThan(0);
      expect(blocked.every((r) => r.startsWith('per-patient-array'))).toBe(true);
    }
  });

  it("lets the harmonisation apply stage's before/after summaries leave, one per feature, and blocks them named by patients", () => {
    const job = envelope('harmonize', { kind: 'harmonize', stage: 'apply', method: 'combat', features, cohort: 'local' });
    const summary = (name: string) => ({ name, n: N, before: { mean: 1, sd: 1 }, after: { mean: 0, sd: 1 } });
    const apply = (names: string[]) => jobResult(job, { kind: 'harmonize', stage: 'apply', patientCount: N, harmonizationHash: 'ab'.repeat(32), summaries: names.map(summary) });
    expect(rules(checkEgress('job-result', apply(features), contextFor(job)))).toEqual([]);
    expect(rules(checkEgress('job-result', apply(patientIds), contextFor(job))).length).toBeGreaterThan(0);
  });

  it('attacker: still blocks a per-patient list of the same length at, or beside, a per-feature field', async () => {
    const job = extractJob();
    const context = contextFor(job);
    const real = (await runJob(input(job))) as { summaries: Array<{ name: string; n: number; mean: number; sd: number }> };
    // Each patient's value of the first feature, dressed as summaries named by patient, by a made-up name, or one feature repeated.
    const values = readCsv(cohort.features).rows.map((r) => Number(r[1]));
    const dressed = [
      patientIds.map((id, i) => ({ name: id, n: 5, mean: values[i], sd: 0 })),
      values.map((v, i) => ({ name: `row${i}`, n: 5, mean: v, sd: 0 })),
      values.map((v) => ({ name: features[0], n: 5, mean: v, sd: 0 })),
    ];
    for (const summaries of dressed) {
      expect(rules(checkEgress('job-result', jobResult(job, { ...real, summaries }), context))).toContain('per-patient-array /result/summaries');
    }
    // An array of one entry per patient where no per-feature array is declared (the failures list), even with the features known.
    const failures = patientIds.map((_, i) => ({ code: `E${i}`, count: 1 }));
    expect(rules(checkEgress('job-result', jobResult(job, { ...real, failures }), context))).toContain('per-patient-array /result/failures');
    // Moments of another feature list: a per-feature field only passes with exactly the job's features.
    const moments = momentsJob();
    const realMoments = (await runJob(input(moments))) as { featureMean: number[] };
    const shorter = { ...contextFor(moments), featureNames: features.slice(1) };
    expect(rules(checkEgress('job-result', jobResult(moments, realMoments), shorter))).toContain('per-patient-array /result/featureMean');
  });
});
