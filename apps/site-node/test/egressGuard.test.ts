import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { schemaNames } from '@fedrad/protocol';
import { checkEgress, NON_PATIENT_ARRAYS, type EgressContext } from '../src/egressGuard.js';

// The reference is the protocol contract itself, read from disk: each schema file's own
// x-egress mark and the committed examples under protocols/examples/.
const protocolsDir = join(dirname(fileURLToPath(import.meta.url)), '../../../protocols');
const schemaFiles = readdirSync(protocolsDir).filter((f) => f.endsWith('.schema.json'));
const markOf = (name: string): string => JSON.parse(readFileSync(join(protocolsDir, `${name}.schema.json`), 'utf8'))['x-egress'];
const examples = (name: string, prefix: 'valid' | 'invalid'): Array<{ file: string; doc: unknown }> => {
  const dir = join(protocolsDir, 'examples', name);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix + '-') && f.endsWith('.json'))
    .map((f) => ({ file: f, doc: JSON.parse(readFileSync(join(dir, f), 'utf8')) }));
};

// A cohort size no example array happens to have, so only the schema rules decide.
const neutral: EgressContext = { localPatientCounts: [997], minCohortSize: 5 };

describe('egress guard against every protocol message type', () => {
  const names = schemaFiles.map((f) => f.replace('.schema.json', ''));

  it('covers every schema in protocols/', () => {
    expect(names.sort()).toEqual([...schemaNames()].sort());
  });

  for (const name of names) {
    const mark = markOf(name);
    it(`${name} (x-egress: ${mark}): valid examples ${mark === 'allowed' ? 'leave' : 'are blocked'}`, () => {
      const valid = examples(name, 'valid');
      // A schema with no example (definitions, placeholders) is still checked with an empty document.
      const docs = valid.length > 0 ? valid.map((v) => v.doc) : [{}];
      for (const doc of docs) {
        const verdict = checkEgress(name, doc, neutral);
        expect(verdict.allowed).toBe(mark === 'allowed');
        if (!verdict.allowed && mark !== 'allowed') {
          expect(verdict.violations.map((v) => v.rule)).toContain('schema-not-allowed');
        }
      }
    });
    it(`${name}: invalid examples are blocked`, () => {
      for (const { doc } of examples(name, 'invalid')) {
        const verdict = checkEgress(name, doc, neutral);
        expect(verdict.allowed).toBe(false);
      }
    });
    if (mark === 'allowed') {
      it(`${name}: an array the length of a local cohort is treated as per-patient and blocked`, () => {
        for (const { doc } of examples(name, 'valid')) {
          const lengths = arrayLengths(doc, '', NON_PATIENT_ARRAYS[name] ?? []).filter((n) => n >= 2);
          if (lengths.length === 0) continue;
          const verdict = checkEgress(name, doc, { localPatientCounts: [lengths[0]], minCohortSize: 1 });
          expect(verdict.allowed).toBe(false);
          if (!verdict.allowed) expect(verdict.violations.map((v) => v.rule)).toContain('per-patient-array');
        }
      });
    }
  }

  it('an unknown schema name is blocked', () => {
    expect(checkEgress('patient-export', { rows: [] }, neutral).allowed).toBe(false);
  });
});

describe('egress guard rules on crafted messages', () => {
  const ids = Array.from({ length: 40 }, (_, i) => `site-a-${String(i + 1).padStart(4, '0')}`);
  const context: EgressContext = { localPatientCounts: [40], patientIds: new Set(ids), minCohortSize: 10 };
  const base = JSON.parse(readFileSync(join(protocolsDir, 'examples/job-result/valid-1.json'), 'utf8'));

  it('lets a model update resting on 120 patients leave', () => {
    expect(checkEgress('job-result', base, context)).toEqual({ allowed: true, schema: 'job-result' });
  });

  it('blocks per-patient predictions smuggled as a tensor (length = cohort size)', () => {
    const leak = structuredClone(base);
    leak.result.tensors.push({ name: 'scores', shape: [40], data: ids.map((_, i) => i / 40) });
    const verdict = checkEgress('job-result', leak, context);
    expect(verdict.allowed).toBe(false);
    if (!verdict.allowed) {
      expect(verdict.violations.some((v) => v.rule === 'per-patient-array' && v.path === '/result/tensors/2')).toBe(true);
    }
  });

  it('blocks a per-patient matrix even when flattened (a tensor dimension equals the cohort size)', () => {
    const leak = structuredClone(base);
    leak.result.tensors = [{ name: 'rows', shape: [40, 2], data: new Array(80).fill(0.5) }];
    expect(checkEgress('job-result', leak, context).allowed).toBe(false);
  });

  it('blocks a job result that carries a feature table (forbidden schema), naming the rows', () => {
    const leak = structuredClone(base);
    leak.kind = 'extract';
    leak.result = { kind: 'feature-table', features: ['f1'], rows: ids.map((id) => ({ id, values: [1] })) };
    const verdict = checkEgress('job-result', leak, context);
    expect(verdict.allowed).toBe(false);
    if (!verdict.allowed) {
      const rules = new Set(verdict.violations.map((v) => v.rule));
      expect(rules.has('identifier')).toBe(true);
      expect(rules.has('per-patient-array')).toBe(true);
      expect(rules.has('schema-not-allowed')).toBe(true);
    }
  });

  it('blocks a patient id anywhere but an error report caseId', () => {
    const report = { type: 'error-report', code: 'MISSING_VALUE', message: 'feat_03 is empty', caseId: ids[2] };
    expect(checkEgress('error-report', report, context).allowed).toBe(true);
    const wrapped = structuredClone(base);
    wrapped.result = report;
    expect(checkEgress('job-result', wrapped, context).allowed).toBe(true);
    const hello = JSON.parse(readFileSync(join(protocolsDir, 'examples/heartbeat/valid-1.json'), 'utf8'));
    hello.runningJobs = [ids[5]];
    const verdict = checkEgress('heartbeat', hello, context);
    expect(verdict.allowed).toBe(false);
    if (!verdict.allowed) expect(verdict.violations[0]).toMatchObject({ rule: 'identifier', path: '/runningJobs/0' });
  });

  it('does not count lists the schema defines as non-patient (approved protocols, running jobs)', () => {
    const hello = JSON.parse(readFileSync(join(protocolsDir, 'examples/site-hello/valid-1.json'), 'utf8'));
    hello.approvedProtocols = Array.from({ length: 40 }, (_, i) => i.toString(16).padStart(64, '0'));
    expect(checkEgress('site-hello', hello, context).allowed).toBe(true);
    const beat = JSON.parse(readFileSync(join(protocolsDir, 'examples/heartbeat/valid-1.json'), 'utf8'));
    beat.runningJobs = Array.from({ length: 40 }, (_, i) => `job-${i}`);
    expect(checkEgress('heartbeat', beat, context).allowed).toBe(true);
  });

  it('blocks every patient-count field below the campaign minimum', () => {
    const extract = JSON.parse(readFileSync(join(protocolsDir, 'examples/extract-result/valid-1.json'), 'utf8'));
    expect(checkEgress('extract-result', extract, { ...context, minCohortSize: 42 }).allowed).toBe(true);
    const verdict = checkEgress('extract-result', extract, { ...context, minCohortSize: 43 });
    expect(verdict.allowed).toBe(false);
    if (!verdict.allowed) {
      // patientCount and the two summaries' n, all 42 < 43.
      expect(verdict.violations.filter((v) => v.rule === 'count-below-minimum').map((v) => v.path).sort())
        .toEqual(['/patientCount', '/summaries/0/n', '/summaries/1/n']);
    }
    const update = structuredClone(base);
    update.result.sampleCount = 9;
    const small = checkEgress('job-result', update, context);
    expect(small.allowed).toBe(false);
    if (!small.allowed) expect(small.violations).toEqual([expect.objectContaining({ rule: 'count-below-minimum', path: '/result/sampleCount' })]);
  });
});

function arrayLengths(value: unknown, path: string, exempt: readonly string[]): number[] {
  if (Array.isArray(value)) return [...(exempt.includes(path) ? [] : [value.length]), ...value.flatMap((v, i) => arrayLengths(v, `${path}/${i}`, exempt))];
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => arrayLengths(v, `${path}/${k}`, exempt));
  return [];
}
