import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './processes.js';

// Issue #19.6: the reference pages are generated from the schemas and the commands' own help,
// so a changed field or flag without regenerated docs fails here.
describe('docs', () => {
  it('docs/protocol-reference.md and docs/cli-reference.md are what scripts/generate-docs.mjs makes now', () => {
    const out = spawnSync(process.execPath, [join(repoRoot, 'scripts/generate-docs.mjs'), '--check'], { encoding: 'utf8' });
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
  });

  it('every field of the campaign protocol is explained in its schema, hence in the study lead\'s reference', () => {
    const schema = JSON.parse(readFileSync(join(repoRoot, 'protocols/campaign-protocol.schema.json'), 'utf8'));
    const common = JSON.parse(readFileSync(join(repoRoot, 'protocols/common.schema.json'), 'utf8'));
    const unexplained: string[] = [];
    const walk = (node: Record<string, any>, path: string) => {
      for (const [name, sub] of Object.entries<Record<string, any>>(node.properties ?? {})) {
        const ref = typeof sub.$ref === 'string' ? sub.$ref : undefined;
        const target = ref?.startsWith('common.schema.json#/$defs/') ? common.$defs[ref.split('/').pop()!] : ref?.startsWith('#/$defs/') ? schema.$defs[ref.split('/').pop()!] : undefined;
        if (!sub.description && !target?.description && !(ref && !ref.includes('#'))) unexplained.push(path + name);
        walk(target ?? sub, `${path}${name}.`);
        (sub.oneOf ?? []).forEach((v: Record<string, any>) => walk(v, `${path}${name}(${v.properties?.type?.const}).`));
      }
    };
    walk(schema, '');
    expect(unexplained).toEqual([]);
    // outcome.label, which users asked about, is in the generated page with its meaning.
    expect(readFileSync(join(repoRoot, 'docs/protocol-reference.md'), 'utf8')).toMatch(/\| `outcome \(binary\)\.label` \| string \| yes \|  \| The name of the outcome/);
  });
});
