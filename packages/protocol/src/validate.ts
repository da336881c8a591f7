import { createRequire } from 'node:module';
import type { Ajv2020 as Ajv2020Type, ValidateFunction } from 'ajv/dist/2020.js';
import { schemas, type SchemaName } from './generated/schemas.js';
import { FedRadError } from './errors/fedRadError.js';
import { describeIssue as describe, type ValidationIssue } from './validationIssues.js';

export type { ValidationIssue } from './validationIssues.js';

// ajv (and ajv-formats) are loaded on the first validation, not when this package is imported:
// most importers (a worker thread extracting features, a site job computing sums) never validate,
// and loading ajv cost each of them ~60 ms plus compiling Node's CommonJS export scanner.
const require = createRequire(import.meta.url);
let shared: Ajv2020Type | undefined;

function ajv(): Ajv2020Type {
  if (shared) return shared;
  const { Ajv2020 } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  const formats = require('ajv-formats') as { default?: (a: Ajv2020Type) => void } & ((a: Ajv2020Type) => void);
  // Our schemas are checked against the JSON Schema 2020-12 meta-schema by the tests
  // (test/metaSchema.test.ts); doing it again in every process cost ~45 ms.
  const instance = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, validateSchema: false });
  instance.addKeyword({ keyword: 'x-egress' });
  instance.addKeyword({ keyword: 'x-kind' });
  (formats.default ?? formats)(instance);
  for (const schema of Object.values(schemas)) instance.addSchema(schema as object);
  return (shared = instance);
}

/** ajv compiles a schema on first use and keeps it; this only maps our names to its ids. */
function validatorFor(name: SchemaName): ValidateFunction {
  const schema = schemas[name] as { $id?: string } | undefined;
  const fn = schema?.$id ? ajv().getSchema(schema.$id) : undefined;
  if (!fn) throw new UnknownSchemaError(String(name));
  return fn;
}

export type ValidationResult = { valid: true } | { valid: false; issues: ValidationIssue[]; message: string };

/** Validates a document against the named protocol schema. Never throws for bad documents. */
export function validate(name: SchemaName, value: unknown): ValidationResult {
  const fn = validatorFor(name);
  if (fn(value)) return { valid: true };
  const issues = (fn.errors ?? []).map(describe);
  return { valid: false, issues, message: formatIssues(name, issues) };
}

/** Validates and narrows, or throws a ProtocolValidationError naming schema and fields. */
export function assertValid<T>(name: SchemaName, value: unknown, source?: string): T {
  const result = validate(name, value);
  if (!result.valid) throw new ProtocolValidationError(name, result.issues, source);
  return value as T;
}

/** Whether a site may send messages of this schema (`x-egress`). */
export function egressOf(name: SchemaName): 'allowed' | 'forbidden' {
  const mark = (schemas[name] as { 'x-egress'?: string } | undefined)?.['x-egress'];
  return mark === 'allowed' ? 'allowed' : 'forbidden';
}

export function schemaNames(): SchemaName[] {
  return Object.keys(schemas) as SchemaName[];
}

function formatIssues(name: string, issues: ValidationIssue[]): string {
  const lines = issues.slice(0, 8).map((i) => `  ${i.field || '(document)'} ${i.message}`);
  const more = issues.length > 8 ? `\n  … and ${issues.length - 8} more` : '';
  return `does not match schema ${name}:\n${lines.join('\n')}${more}`;
}

/** A document or message that does not match its schema in protocols/. */
export class ProtocolValidationError extends FedRadError {
  constructor(
    readonly schema: string,
    readonly issues: ValidationIssue[],
    readonly source?: string,
  ) {
    super('PROTOCOL_INVALID', `${source ? source + ' ' : 'Document '}${formatIssues(schema, issues)}`, { context: { field: issues[0]?.field || undefined } });
  }
}

/** A schema name that protocols/ does not define: a programming error in the caller. */
export class UnknownSchemaError extends FedRadError {
  constructor(readonly schema: string) {
    super('UNKNOWN_SCHEMA', `No protocol schema named "${schema}" (known: ${Object.keys(schemas).join(', ')})`, { kind: 'internal' });
  }
}
