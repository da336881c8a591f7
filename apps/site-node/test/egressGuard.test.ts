import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packTensor, schemaNames, updateLayout, type TrainRoundParams } from '@fedrad/protocol';
import { checkEgress, describeViolations, describeViolationsForCoordinator, NON_PATIENT_ARRAYS, type EgressContext } from '../src/egressGuard.js';

// The reference is the protocol contract itself, read from disk: each schema file's own
// x-egress mark and the committed examples under protocols/examples/.
/** The layout of a train-round update for p features (@fedrad/protocol's updateLayout; its test holds it to SITE_CHANNEL.md §6). */
const modelUpdateLayout = (strategy: TrainRoundParams['strategy'], p: number) =>
  updateLayout({ kind: 'train-round', strategy, features: Array.from({ length: p }, (_, j) => `f${j + 1}`) });
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

  it('judges packed tensors as it judges JSON ones: a packed per-patient vector is blocked', () => {
    const leak = structuredClone(base);
    leak.result.tensors.push(packTensor({ name: 'scores', shape: [40], data: ids.map((_, i) => i / 40) }));
    const verdict = checkEgress('job-result', leak, context);
    expect(verdict.allowed).toBe(false);
    if (!verdict.allowed) expect(verdict.violations.some((v) => v.rule === 'per-patient-array' && v.path === '/result/tensors/2')).toBe(true);
  });

  it('lets a packed model update leave, and blocks one whose packed bytes disagree with its shape', () => {
    const packed = structuredClone(base);
    packed.result.tensors = packed.result.tensors.map(packTensor);
    expect(checkEgress('job-result', packed, context).allowed).toBe(true);
    // Three values packed under a shape of two: 24 bytes where 16 belong.
    packed.result.tensors[0] = { ...packTensor({ name: 'gradient', shape: [3], data: [1, 2, 3] }), shape: [2] };
    const verdict = checkEgress('job-result', packed, context);
    expect(verdict.allowed).toBe(false);
    if (!verdict.allowed) expect(verdict.violations.map((v) => v.detail)).toContain('tensor "gradient" holds 3 numbers, its shape [2] says 2');
  });

  it('checks a packed update against its strategy layout like a JSON one', () => {
    const layout = modelUpdateLayout('fedavg', 1);
    const update = { kind: 'train-round', round: 1, sampleCount: 120, contents: 'parameters', tensors: [packTensor({ name: 'coef', shape: [2], data: [0.1, 0.2] })] };
    expect(checkEgress('model-update', update, { ...context, modelUpdateTensors: layout }).allowed).toBe(true);
    update.tensors.push(packTensor({ name: 'extra', shape: [2], data: [0, 0] }));
    expect(checkEgress('model-update', update, { ...context, modelUpdateTensors: layout }).allowed).toBe(false);
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

describe('egress guard: a model update holds the tensors of its strategy and nothing else', () => {
  const ids = Array.from({ length: 40 }, (_, i) => `site-a-${String(i + 1).padStart(4, '0')}`);
  const base = JSON.parse(readFileSync(join(protocolsDir, 'examples/job-result/valid-1.json'), 'utf8'));
  const p = 6;
  const fedavg: EgressContext = { localPatientCounts: [40], patientIds: new Set(ids), minCohortSize: 5, modelUpdateTensors: modelUpdateLayout('fedavg', p) };
  const update = (tensors: Array<{ name: string; shape: number[]; data: number[] }>) => {
    const doc = structuredClone(base);
    doc.result = { kind: 'train-round', round: 3, sampleCount: 40, contents: 'parameters', tensors };
    return doc;
  };
  const coef = { name: 'coef', shape: [p + 1], data: new Array(p + 1).fill(0.1) };
  const rulesOf = (verdict: ReturnType<typeof checkEgress>) => (verdict.allowed ? [] : verdict.violations.map((v) => `${v.rule} ${v.path}`));

  it('lets the update of the layout leave', () => {
    expect(checkEgress('job-result', update([coef]), fedavg)).toEqual({ allowed: true, schema: 'job-result' });
  });

  it('blocks per-patient values sent as one extra tensor each (n + 1 tensors, so no array is n long)', () => {
    const leak = update([coef, ...ids.map((_, i) => ({ name: `t${i}`, shape: [1], data: [i / 40] }))]);
    expect(checkEgress('job-result', leak, { ...fedavg, modelUpdateTensors: undefined }).allowed).toBe(true); // what rule 2 alone let through
    const rules = rulesOf(checkEgress('job-result', leak, fedavg));
    expect(rules).toContain('tensor-layout /result/tensors/1');
    expect(rules).toContain('tensor-layout /result/tensors/40');
  });

  it('blocks per-patient values inside a longer coef (n + 1 or 2n numbers)', () => {
    for (const length of [41, 80]) {
      const rules = rulesOf(checkEgress('job-result', update([{ name: 'coef', shape: [length], data: new Array(length).fill(0.5) }]), fedavg));
      expect(rules).toEqual(['tensor-layout /result/tensors/0']);
    }
  });

  it('blocks a tensor whose data is longer than its shape, with or without a layout', () => {
    const lying = update([{ name: 'coef', shape: [p + 1], data: new Array(41).fill(0.5) }]);
    for (const context of [fedavg, { ...fedavg, modelUpdateTensors: undefined }]) {
      expect(rulesOf(checkEgress('job-result', lying, context))).toContain('tensor-layout /result/tensors/0');
    }
  });

  it('blocks a train-round job answering with another kind\'s document (which the layout would not cover)', () => {
    const extract = JSON.parse(readFileSync(join(protocolsDir, 'examples/extract-result/valid-1.json'), 'utf8'));
    expect(checkEgress('extract-result', extract, { ...fedavg, modelUpdateTensors: undefined, minCohortSize: 1 }).allowed).toBe(true);
    const doc = structuredClone(base); // kind: train-round
    doc.result = extract;
    const verdict = checkEgress('job-result', doc, { ...fedavg, minCohortSize: 1 });
    expect(verdict.allowed).toBe(false);
    if (!verdict.allowed) expect(verdict.violations).toContainEqual(expect.objectContaining({ rule: 'schema-not-allowed', path: '/result' }));
  });

  it('blocks a repeated or missing tensor of the exact-newton layout', () => {
    const newton: EgressContext = { ...fedavg, modelUpdateTensors: modelUpdateLayout('exact-newton', 1) };
    // The protocol example (p = 1) with the feature sums §6 adds.
    const full = structuredClone(base);
    full.result.tensors.push({ name: 'feature-sum', shape: [1], data: [3] }, { name: 'feature-sumsq', shape: [1], data: [9] });
    expect(checkEgress('job-result', full, newton).allowed).toBe(true);
    expect(rulesOf(checkEgress('job-result', base, newton))).toEqual(['tensor-layout /result/tensors']);
    const twice = structuredClone(full);
    twice.result.tensors.push(structuredClone(twice.result.tensors[0]));
    expect(rulesOf(checkEgress('job-result', twice, newton))).toEqual([`tensor-layout /result/tensors/${twice.result.tensors.length - 1}`]);
    const missing = structuredClone(full);
    missing.result.tensors = missing.result.tensors.filter((t: { name: string }) => t.name !== 'hessian');
    expect(rulesOf(checkEgress('job-result', missing, newton))).toEqual(['tensor-layout /result/tensors']);
  });
});

describe('egress guard: what the coordinator is told about a blocked message', () => {
  const ids = Array.from({ length: 40 }, (_, i) => `site-a-${String(i + 1).padStart(4, '0')}`);
  const context: EgressContext = { localPatientCounts: [40], patientIds: new Set(ids), minCohortSize: 5, modelUpdateTensors: modelUpdateLayout('fedavg', 1) };
  const base = JSON.parse(readFileSync(join(protocolsDir, 'examples/job-result/valid-1.json'), 'utf8'));

  it('rules and paths with protocol field names and indices only: no key, name or value of the message', () => {
    const leak = structuredClone(base);
    leak.result = { kind: 'train-round', round: 3, sampleCount: 40, contents: 'parameters', tensors: [{ name: `${ids[1]}-score`, shape: [1], data: [0.25] }] };
    leak.result[ids[0]] = { [ids[2]]: ids[3] };
    const verdict = checkEgress('job-result', leak, context);
    const local = describeViolations(verdict);
    expect(local).toContain(ids[0]); // the site's own log may name it
    const told = describeViolationsForCoordinator(verdict);
    for (const id of ids) expect(told).not.toContain(id);
    expect(told).toContain('identifier at /result/*/*');
    expect(told).toContain('tensor-layout at /result/tensors/0');
    expect(told.split('; ').every((line) => /^[a-z-]+ at (\(message\)|(\/([A-Za-z0-9]+|\*))+)$/.test(line))).toBe(true);
  });
});

function arrayLengths(value: unknown, path: string, exempt: readonly string[]): number[] {
  if (Array.isArray(value)) return [...(exempt.includes(path) ? [] : [value.length]), ...value.flatMap((v, i) => arrayLengths(v, `${path}/${i}`, exempt))];
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => arrayLengths(v, `${path}/${k}`, exempt));
  return [];
}
