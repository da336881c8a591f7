import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validate } from '@fedrad/protocol';
import { checkDraft, groupByField, pointerToField } from '../src/logic/protocolDraft.js';

// The editor's in-browser check must say exactly what the coordinator's validator (@fedrad/protocol,
// ajv compiled at run time) says about the same document: same schema files, same wording.
const read = (p: string) => readFileSync(fileURLToPath(new URL(`../../../protocols/${p}`, import.meta.url)), 'utf8');
const valid = JSON.parse(read('examples/campaign-protocol/valid-1.json'));
const schema = JSON.parse(read('campaign-protocol.schema.json'));

describe('protocol editor check', () => {
  it('accepts the schema example and every invalid example the way the coordinator validator does', () => {
    expect(checkDraft(JSON.stringify(valid))).toEqual({ doc: valid, issues: [] });
    for (const name of ['invalid-min-cohort-zero', 'invalid-survival-without-event']) {
      const doc = JSON.parse(read(`examples/campaign-protocol/${name}.json`));
      const server = validate('campaign-protocol', doc);
      expect(server.valid).toBe(false);
      const mine = checkDraft(JSON.stringify(doc));
      expect(mine.issues.length).toBeGreaterThan(0);
      // Every field-level message of the browser check is one the coordinator reports too.
      const serverIssues = server.valid ? [] : server.issues.map((i) => `${i.field} ${i.message}`);
      for (const i of mine.issues) expect(serverIssues).toContain(`${i.field} ${i.message}`);
    }
  });

  it('names the field and the schema limit: minCohortSize below its minimum, an unknown field, a missing field, a wrong enum', () => {
    const min = schema.properties.minCohortSize.minimum as number;
    expect(checkDraft(JSON.stringify({ ...valid, minCohortSize: min - 1 })).issues).toEqual([{ field: '/minCohortSize', message: `must be >= ${min}` }]);
    expect(checkDraft(JSON.stringify({ ...valid, colour: 'blue' })).issues).toEqual([{ field: '/colour', message: 'is not a field this schema knows' }]);
    const { title: _t, ...untitled } = valid;
    expect(checkDraft(JSON.stringify(untitled)).issues).toEqual([{ field: '/title', message: 'is required but missing' }]);
    const families = schema.$defs.ModelSpec.properties.family.enum as string[];
    const bad = checkDraft(JSON.stringify({ ...valid, model: { ...valid.model, family: 'random-forest' } }));
    expect(bad.issues).toContainEqual({ field: '/model/family', message: `must be one of ${JSON.stringify(families)}` });
  });

  it('reports JSON syntax errors with the parser message and no schema issues', () => {
    const r = checkDraft('{ "type": ');
    expect(r.doc).toBeUndefined();
    expect(r.issues).toEqual([]);
    expect(r.syntaxError).toBe((() => { try { JSON.parse('{ "type": '); } catch (e) { return (e as Error).message; } })());
  });

  it('names fields as the coordinator refusals do and groups them by top-level field', () => {
    expect(pointerToField('/model/alpha')).toBe('model.alpha');
    expect(pointerToField('/a~1b/c~0d')).toBe('a/b.c~d');
    expect(pointerToField('')).toBe('(document)');
    const groups = groupByField([{ f: 'model.alpha' }, { f: 'title' }, { f: 'model.lambda' }], (x) => x.f);
    expect(groups).toEqual([{ field: 'model', items: [{ f: 'model.alpha' }, { f: 'model.lambda' }] }, { field: 'title', items: [{ f: 'title' }] }]);
  });
});
