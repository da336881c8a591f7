import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { schemas, type SchemaName } from './generated/schemas.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => void;

// Our schemas are checked against the JSON Schema 2020-12 meta-schema by the tests
// (test/metaSchema.test.ts); doing it again in every process that loads this module cost ~45 ms.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, validateSchema: false });
ajv.addKeyword({ keyword: 'x-egress' });
ajv.addKeyword({ keyword: 'x-kind' });
addFormats(ajv);
for (const schema of Object.values(schemas)) ajv.addSchema(schema as object);

/** ajv compiles a schema on first use and keeps it; this only maps our names to its ids. */
function validatorFor(name: SchemaName): ValidateFunction {
  const schema = schemas[name] as { $id?: string } | undefined;
  const fn = schema?.$id ? ajv.getSchema(schema.$id) : undefined;
  if (!fn) throw new UnknownSchemaError(String(name));
  return fn;
}

export interface ValidationIssue {
  /** JSON pointer of the offending field, '' for the document itself. */
  field: string;
  message: string;
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

function describe(error: ErrorObject): ValidationIssue {
  const field = error.instancePath || '';
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { field: `${field}/${p.missingProperty}`, message: `is required but missing` };
    case 'additionalProperties':
      return { field: `${field}/${p.additionalProperty}`, message: 'is not a field this schema knows' };
    case 'enum':
      return { field, message: `must be one of ${JSON.stringify(p.allowedValues)}` };
    case 'const':
      return { field, message: `must be ${JSON.stringify(p.allowedValue)}` };
    default:
      return { field, message: error.message ?? error.keyword };
  }
}

function formatIssues(name: string, issues: ValidationIssue[]): string {
  const lines = issues.slice(0, 8).map((i) => `  ${i.field || '(document)'} ${i.message}`);
  const more = issues.length > 8 ? `\n  … and ${issues.length - 8} more` : '';
  return `does not match schema ${name}:\n${lines.join('\n')}${more}`;
}

export class ProtocolValidationError extends Error {
  readonly code = 'PROTOCOL_INVALID';
  constructor(
    readonly schema: string,
    readonly issues: ValidationIssue[],
    readonly source?: string,
  ) {
    super(`${source ? source + ' ' : 'Document '}${formatIssues(schema, issues)}`);
    this.name = 'ProtocolValidationError';
  }
}

export class UnknownSchemaError extends Error {
  readonly code = 'UNKNOWN_SCHEMA';
  constructor(readonly schema: string) {
    super(`No protocol schema named "${schema}" (known: ${Object.keys(schemas).join(', ')})`);
    this.name = 'UnknownSchemaError';
  }
}
