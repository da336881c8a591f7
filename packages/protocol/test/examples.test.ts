import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertValid, egressOf, ProtocolValidationError, schemaNames, schemas, validate, type SchemaName } from '../src/index.js';

const examplesDir = join(dirname(fileURLToPath(import.meta.url)), '../../../protocols/examples');
const messageSchemas = schemaNames().filter((n) => (schemas[n] as { 'x-kind'?: string })['x-kind'] !== 'definitions');

function examples(name: string, prefix: 'valid' | 'invalid'): Array<[string, unknown]> {
  const dir = join(examplesDir, name);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix + '-') && f.endsWith('.json'))
    .map((f) => [f, JSON.parse(readFileSync(join(dir, f), 'utf8'))]);
}

describe('protocol examples', () => {
  it.each(messageSchemas)('%s has a valid and an invalid example and an egress mark', (name) => {
    expect(examples(name, 'valid').length).toBeGreaterThan(0);
    expect(examples(name, 'invalid').length).toBeGreaterThan(0);
    expect(['allowed', 'forbidden']).toContain((schemas[name] as { 'x-egress'?: string })['x-egress']);
  });

  for (const name of messageSchemas) {
    for (const [file, doc] of examples(name, 'valid')) {
      it(`${name}/${file} validates`, () => {
        const result = validate(name as SchemaName, doc);
        expect(result.valid ? 'valid' : result.message).toBe('valid');
      });
    }
    for (const [file, doc] of examples(name, 'invalid')) {
      it(`${name}/${file} fails with a message naming the schema and a field`, () => {
        const result = validate(name as SchemaName, doc);
        expect(result.valid).toBe(false);
        if (result.valid) return;
        expect(result.message).toContain(`schema ${name}`);
        expect(result.issues.length).toBeGreaterThan(0);
        expect(result.message).toMatch(/\n {2}(\/\S*|\(document\)) \S/);
      });
    }
  }
});

describe('validation errors', () => {
  it('name the missing field, the schema and the source file', () => {
    const doc = { type: 'heartbeat', siteId: 'site-a', runningJobs: [] };
    expect(() => assertValid('heartbeat', doc, 'site-a.json')).toThrow(ProtocolValidationError);
    try {
      assertValid('heartbeat', doc, 'site-a.json');
    } catch (e) {
      const err = e as ProtocolValidationError;
      expect(err.code).toBe('PROTOCOL_INVALID');
      expect(err.message).toContain('site-a.json');
      expect(err.message).toContain('heartbeat');
      expect(err.issues).toContainEqual({ field: '/sentAt', message: 'is required but missing' });
    }
  });

  it('refuse an unknown field by name', () => {
    const result = validate('error-report', { type: 'error-report', code: 'X_Y_Z', message: 'm', stack: 'at …' });
    expect(result.valid).toBe(false);
    if (!result.valid) expect(result.issues).toContainEqual({ field: '/stack', message: 'is not a field this schema knows' });
  });

  it('marks per-patient tables as never leaving a site and results as allowed', () => {
    expect(egressOf('feature-table')).toBe('forbidden');
    expect(egressOf('job-envelope')).toBe('forbidden');
    expect(egressOf('job-result')).toBe('allowed');
    expect(egressOf('model-update')).toBe('allowed');
  });
});
