import { describe, expect, it } from '@jest/globals';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { schemaNames, schemas, validate } from '../src/index.js';

// The runtime validator skips meta-schema checks for speed; here every protocol schema is checked
// against ajv's own copy of the JSON Schema 2020-12 meta-schema, and compiled once in strict mode.
describe('protocol schemas against the 2020-12 meta-schema', () => {
  const ajv = new Ajv2020({ strict: false });
  it.each(schemaNames())('%s is a valid JSON Schema 2020-12 document', (name) => {
    const ok = ajv.validateSchema(schemas[name] as object);
    expect(ok ? 'valid' : ajv.errorsText(ajv.errors)).toBe('valid');
  });

  it.each(schemaNames())('%s compiles in the strict runtime validator', (name) => {
    expect(() => validate(name, {})).not.toThrow();
  });

  it('the meta-schema check catches a broken schema (a type that does not exist)', () => {
    expect(ajv.validateSchema({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'nummber' })).toBe(false);
  });
});
