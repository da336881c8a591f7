import type { ErrorObject } from 'ajv';

// No Node import here: the console's editor (apps/console) maps its in-browser ajv errors with
// this same function, through the package's `@fedrad/protocol/issues` export.

export interface ValidationIssue {
  /** JSON pointer of the offending field, '' for the document itself. */
  field: string;
  message: string;
}

/** One ajv error as the field it concerns and a sentence about it. */
export function describeIssue(error: ErrorObject): ValidationIssue {
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

