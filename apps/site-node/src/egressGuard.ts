import { egressOf, isPackedTensor as hasPackedValues, packedValueCount, schemas, validate, type PackedTensor, type SchemaName, type TensorLayout } from '@fedrad/protocol';

/**
 * The egress guard: the last check before anything leaves the site. Pure — it decides, the
 * daemon logs and drops (see egressGate.ts).
 *
 * A message may leave only when ALL of these hold (EGRESS.md explains the why):
 *  1. schema: it is declared as a protocol schema marked `x-egress: allowed` and validates
 *     against it; a job-result's nested result must itself be of an allowed schema.
 *  2. per-patient arrays: no array anywhere in it has a length equal to one of the site's
 *     local patient counts (a list with one entry per patient is a per-patient row, whatever
 *     it holds), and no tensor has such a dimension. Arrays of length < 2 are never counted.
 *     The one exception is an array the schema declares one entry per feature (PER_FEATURE_ARRAYS)
 *     that is shown to be one: numbers exactly as many as the job's features, or entries each
 *     named by a distinct feature of the job. A site whose feature count equals its patient count
 *     can then send its summaries, while a per-patient list at the same place is still blocked.
 *  3. identifiers: no property named like a row identifier (`id`, `ids`, `patientId`,
 *     `patientIds`, `caseIds`, `rows`, `mrn`), and no string equal to a local patient id —
 *     except the error report's single `caseId`, which the protocol allows so that an
 *     operator can find the failing case.
 *  4. counts: every patient-count field (`patientCount`, `sampleCount`, `n`) is at least
 *     the campaign's minimum cohort size.
 *  5. tensor layout: a tensor's data has exactly as many numbers as its shape says, and a
 *     model update holds exactly the tensors its job's strategy defines (when the layout is
 *     known) — rule 2 alone lets n + 1 values or 2n values through.
 */
export interface EgressContext {
  /** Patient counts of the site's local cohorts. */
  localPatientCounts: readonly number[];
  /** Local patient/case ids: none may appear as a value outside an error report's caseId. */
  patientIds?: ReadonlySet<string>;
  /** The campaign's minimum number of patients under any aggregate (default 5). */
  minCohortSize: number;
  /** The tensors a model update may hold (@fedrad/protocol's updateLayout); unset for messages that carry none. */
  modelUpdateTensors?: TensorLayout;
  /**
   * The features the message is about, in the job's order: a harmonize job's `params.features`,
   * or the columns of the feature table an extract or reproducibility job read. Unset: no array
   * is taken as per-feature, and rule 2 judges them all by length.
   */
  featureNames?: readonly string[];
}

export type EgressRule = 'schema-not-allowed' | 'schema-invalid' | 'per-patient-array' | 'identifier' | 'count-below-minimum' | 'tensor-layout';

export interface EgressViolation {
  rule: EgressRule;
  /** JSON pointer of the offending value ('' for the message itself). */
  path: string;
  detail: string;
}

export type EgressVerdict =
  | { allowed: true; schema: string }
  | { allowed: false; schema: string; violations: EgressViolation[] };

export const DEFAULT_MIN_COHORT_SIZE = 5;

/** Property names that count as patient-level counts (the protocol's PatientCount fields). */
export const PATIENT_COUNT_KEYS: ReadonlySet<string> = new Set(['patientCount', 'sampleCount', 'n']);

/** Property names that only ever hold row identifiers or rows; compared case-insensitively. */
export const IDENTIFIER_KEYS: ReadonlySet<string> = new Set(['id', 'ids', 'patientid', 'patientids', 'caseids', 'rows', 'mrn']);

/**
 * Arrays that the schema itself defines as lists of something other than patients (protocol
 * hashes, job ids, job kinds): a site that approved as many protocols as a cohort has
 * patients must still be able to say hello. Their items are still checked for identifiers.
 */
export const NON_PATIENT_ARRAYS: Readonly<Record<string, readonly string[]>> = {
  'site-hello': ['/approvedProtocols', '/capabilities/jobKinds'],
  heartbeat: ['/runningJobs'],
  // One encrypted message per peer site of a secure-aggregation round (or of the next one, sent with a masked update), not per patient.
  'job-result': ['/result/shares', '/result/nextRound/shares'],
};

/**
 * Arrays the schema defines as one entry per feature: plain numbers in the job's feature order
 * ('values'), or objects each naming its feature ('named'). Paths are within the result document.
 */
export const PER_FEATURE_ARRAYS: Readonly<Record<string, Readonly<Record<string, 'values' | 'named'>>>> = {
  'extract-result': { '/summaries': 'named' },
  'harmonize-result': { '/featureMean': 'values', '/sumSq': 'values', '/summaries': 'named' },
  'reproducibility-result': { '/features': 'named' },
};

/** The nested result document of a job-result, by the job kind it answers. */
const RESULT_SCHEMA_BY_KIND: Record<string, SchemaName> = {
  extract: 'extract-result',
  reproducibility: 'reproducibility-result',
  harmonize: 'harmonize-result',
  select: 'select-result',
  'train-round': 'model-update',
  'tune-round': 'tune-round-result',
  'baseline-round': 'baseline-round-result',
  evaluate: 'evaluation-report',
  'secure-aggregation': 'secure-aggregation-result',
};

export function checkEgress(schema: string, message: unknown, context: EgressContext): EgressVerdict {
  const violations: EgressViolation[] = [];
  if (!(schema in schemas)) {
    violations.push({ rule: 'schema-not-allowed', path: '', detail: `"${schema}" is not a protocol schema` });
    return { allowed: false, schema, violations };
  }
  const name = schema as SchemaName;
  if (egressOf(name) !== 'allowed') {
    violations.push({ rule: 'schema-not-allowed', path: '', detail: `schema ${name} is marked x-egress: forbidden` });
  }
  const result = validate(name, message);
  if (!result.valid) {
    violations.push({ rule: 'schema-invalid', path: result.issues[0]?.field ?? '', detail: result.message });
  }
  if (name === 'job-result' && isObject(message) && isObject(message.result)) {
    const nested = nestedResultSchema(message.result, String(message.kind));
    // A job answers with its own kind's document: a train-round job's "extract-result" would
    // escape the tensor layout of rule 5.
    const own = RESULT_SCHEMA_BY_KIND[String(message.kind)];
    if (nested !== 'error-report' && own !== undefined && nested !== own) {
      violations.push({ rule: 'schema-not-allowed', path: '/result', detail: `a ${String(message.kind)} job answers with a ${own} or an error report, not a ${nested}` });
    }
    if (egressOf(nested) !== 'allowed') {
      violations.push({ rule: 'schema-not-allowed', path: '/result', detail: `a job result may not carry a ${nested} (x-egress: forbidden)` });
    } else {
      const inner = validate(nested, message.result);
      if (!inner.valid) violations.push({ rule: 'schema-invalid', path: '/result', detail: inner.message });
    }
  }
  // A baseline round's answer is a model update too (baseline-round-result): the same layout rule holds for it.
  const isUpdate = (schema: SchemaName) => schema === 'model-update' || schema === 'baseline-round-result';
  const update = isUpdate(name) ? { doc: message, path: '' } : name === 'job-result' && isObject(message) && isObject(message.result) && isUpdate(nestedResultSchema(message.result, String(message.kind))) ? { doc: message.result, path: '/result' } : undefined;
  if (update && context.modelUpdateTensors) violations.push(...layoutViolations(update.doc, update.path, context.modelUpdateTensors));
  const perPatient = new Set(context.localPatientCounts.filter((n) => n >= 2));
  // Where a per-feature array sits: in the document itself, or in a job-result's nested result.
  const resultDoc = name === 'job-result' && isObject(message) && isObject(message.result) ? { schema: nestedResultSchema(message.result, String(message.kind)), prefix: '/result' } : { schema: name, prefix: '' };
  const perFeature = (value: unknown[], path: string): boolean => {
    const form = path.startsWith(resultDoc.prefix) ? PER_FEATURE_ARRAYS[resultDoc.schema]?.[path.slice(resultDoc.prefix.length)] : undefined;
    return form !== undefined && context.featureNames !== undefined && isPerFeature(value, form, context.featureNames);
  };
  const errorReportCaseIdPath = name === 'error-report' ? '/caseId' : name === 'job-result' ? '/result/caseId' : undefined;
  walk(message, '', (value, path, key) => {
    if (key !== undefined && IDENTIFIER_KEYS.has(key.toLowerCase())) {
      violations.push({ rule: 'identifier', path, detail: `field "${key}" holds row identifiers or rows` });
    }
    if (Array.isArray(value) && perPatient.has(value.length) && !NON_PATIENT_ARRAYS[name]?.includes(path) && !perFeature(value, path)) {
      violations.push({ rule: 'per-patient-array', path, detail: `array of ${value.length} entries, one per patient of a local cohort` });
    }
    if (isTensor(value) || isPackedTensor(value)) {
      const size = value.shape.reduce((a, d) => a * d, 1);
      const held = isTensor(value) ? value.data.length : packedValueCount(value);
      if (size !== held) {
        const holds = held < 0 ? 'packs a byte count that is not a whole number of Float64 values' : `holds ${held} numbers`;
        violations.push({ rule: 'tensor-layout', path, detail: `tensor "${value.name}" ${holds}, its shape [${value.shape.join(', ')}] says ${size}` });
      }
      const dim = value.shape.find((d) => perPatient.has(d));
      if (dim !== undefined) {
        violations.push({ rule: 'per-patient-array', path, detail: `tensor "${value.name}" has a dimension of ${dim}, one per patient of a local cohort` });
      }
    }
    if (typeof value === 'string' && context.patientIds?.has(value) && path !== errorReportCaseIdPath) {
      violations.push({ rule: 'identifier', path, detail: 'a local patient id' });
    }
    if (key !== undefined && PATIENT_COUNT_KEYS.has(key) && typeof value === 'number' && value < context.minCohortSize) {
      violations.push({ rule: 'count-below-minimum', path, detail: `${key} = ${value} is below the campaign minimum of ${context.minCohortSize} patients` });
    }
  });
  return violations.length === 0 ? { allowed: true, schema } : { allowed: false, schema, violations };
}

/**
 * Whether an array is one entry per feature of the job: as many numbers as features, or entries
 * whose names are distinct features of the job (a summary left out for too few values makes it
 * shorter, never longer). Length alone never decides it.
 */
function isPerFeature(value: unknown[], form: 'values' | 'named', featureNames: readonly string[]): boolean {
  if (form === 'values') return value.length === featureNames.length && value.every((v) => typeof v === 'number');
  const features = new Set(featureNames);
  const seen = new Set<string>();
  for (const item of value) {
    if (!isObject(item) || typeof item.name !== 'string' || !features.has(item.name) || seen.has(item.name)) return false;
    seen.add(item.name);
  }
  return true;
}

/** An update's tensors against the layout of its strategy: nothing extra, missing, repeated or reshaped. */
function layoutViolations(update: unknown, path: string, layout: TensorLayout): EgressViolation[] {
  const tensors = isObject(update) && Array.isArray(update.tensors) ? update.tensors : [];
  const out: EgressViolation[] = [];
  const seen = new Set<string>();
  tensors.forEach((t, i) => {
    if (!isTensor(t) && !isPackedTensor(t)) return; // the schema check reports it
    const expected = Object.prototype.hasOwnProperty.call(layout, t.name) ? layout[t.name] : undefined;
    const at = `${path}/tensors/${i}`;
    if (!expected) out.push({ rule: 'tensor-layout', path: at, detail: `tensor "${t.name}" is not part of this job's update (${describeLayout(layout)})` });
    else if (seen.has(t.name)) out.push({ rule: 'tensor-layout', path: at, detail: `tensor "${t.name}" appears twice` });
    else if (t.shape.length !== expected.length || t.shape.some((d, k) => d !== expected[k])) {
      out.push({ rule: 'tensor-layout', path: at, detail: `tensor "${t.name}" has shape [${t.shape.join(', ')}], this job's update defines [${expected.join(', ')}]` });
    }
    seen.add(t.name);
  });
  const missing = Object.keys(layout).filter((k) => !seen.has(k));
  if (missing.length > 0) out.push({ rule: 'tensor-layout', path: `${path}/tensors`, detail: `missing tensor(s) ${missing.join(', ')} (${describeLayout(layout)})` });
  return out;
}

function describeLayout(layout: TensorLayout): string {
  return Object.entries(layout).map(([k, shape]) => `${k} [${shape.join(', ')}]`).join(', ');
}

/** Which schema a job-result's `result` is: an error report, or the document of its kind. */
export function nestedResultSchema(result: Record<string, unknown>, jobKind: string): SchemaName {
  if (result.type === 'error-report') return 'error-report';
  const kind = typeof result.kind === 'string' ? result.kind : jobKind;
  if (kind in RESULT_SCHEMA_BY_KIND) return RESULT_SCHEMA_BY_KIND[kind];
  // A document that names another schema (e.g. kind: 'feature-table') is judged as that one.
  if (kind in schemas) return kind as SchemaName;
  return RESULT_SCHEMA_BY_KIND[jobKind] ?? 'common';
}

function walk(value: unknown, path: string, visit: (value: unknown, path: string, key?: string) => void, key?: string): void {
  visit(value, path, key);
  if (Array.isArray(value)) {
    // A run of plain numbers (tensor data) holds no key and no id: only its length matters,
    // which the visit above has seen. Skipping it keeps a 1 M-number Hessian cheap.
    if (value.every((item) => typeof item === 'number')) return;
    value.forEach((item, i) => walk(item, `${path}/${i}`, visit));
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) walk(v, `${path}/${escapePointer(k)}`, visit, k);
  }
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isTensor(value: unknown): value is { name: string; shape: number[]; data: unknown[] } {
  return isObject(value) && typeof value.name === 'string' && Array.isArray(value.shape) && Array.isArray(value.data);
}

function isPackedTensor(value: unknown): value is PackedTensor {
  return hasPackedValues(value) && typeof value.name === 'string' && Array.isArray(value.shape);
}

/** One line per violation with its details, for the site's own log. */
export function describeViolations(verdict: EgressVerdict): string {
  if (verdict.allowed) return 'allowed';
  return verdict.violations.map((v) => `${v.rule} at ${v.path || '(message)'}: ${v.detail}`).join('; ');
}

/**
 * Rules and paths only, for the EGRESS_BLOCKED report that does leave: a detail can quote a
 * name from the blocked message (a tensor's name, an unknown field), and a path can hold an
 * object key that is itself a patient id — substring matching would not catch either. So
 * details stay local and a path keeps only array indices and the property names the protocol
 * declares; any other key is shown as `*`.
 */
export function describeViolationsForCoordinator(verdict: EgressVerdict): string {
  if (verdict.allowed) return 'allowed';
  const lines = verdict.violations.map((v) => `${v.rule} at ${redactPointer(v.path) || '(message)'}`);
  return [...new Set(lines)].join('; ');
}

/** Every property name declared under `properties` in a protocol schema. */
const PROTOCOL_KEYS: ReadonlySet<string> = (() => {
  const keys = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (isObject(node)) {
      if (isObject(node.properties)) for (const k of Object.keys(node.properties)) keys.add(k);
      Object.values(node).forEach(visit);
    }
  };
  visit(Object.values(schemas));
  return keys;
})();

function redactPointer(pointer: string): string {
  return pointer
    .split('/')
    .map((segment, i) => (i === 0 || /^\d+$/.test(segment) || PROTOCOL_KEYS.has(segment.replace(/~1/g, '/').replace(/~0/g, '~')) ? segment : '*'))
    .join('/');
}
