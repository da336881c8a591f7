#!/usr/bin/env node
// Writes the reference pages of docs/ from their sources, so they cannot drift:
//   docs/protocol-reference.md  from protocols/*.schema.json (every field, its type, whether it is
//                               required, its constraints and its description)
//   docs/cli-reference.md       from the `fedrad` commands' own --help (needs `npm run build`)
// `--check` writes nothing and exits 1 naming the stale page; test/test/docs.test.ts runs it.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schemaDir = join(root, 'protocols');

const loadSchemas = () =>
  Object.fromEntries(
    readdirSync(schemaDir)
      .filter((f) => f.endsWith('.schema.json'))
      .sort()
      .map((f) => [f, JSON.parse(readFileSync(join(schemaDir, f), 'utf8'))]),
  );

/** Resolves a $ref within the schema set: `common.schema.json#/$defs/X`, `#/$defs/X` (in `file`) or a whole other schema. */
function resolveRef(schemas, file, ref) {
  const [target, pointer] = ref.split('#');
  const targetFile = target || file;
  let node = schemas[targetFile];
  if (!node) throw new Error(`${file}: $ref ${ref} names no schema in protocols/`);
  for (const part of (pointer ?? '').split('/').filter(Boolean)) node = node[part];
  if (!node) throw new Error(`${file}: $ref ${ref} points at nothing`);
  return { node, file: targetFile, wholeSchema: !pointer && target !== '' };
}

const anchor = (file) => file.replace('.schema.json', '');
const code = (v) => `\`${typeof v === 'string' ? v : JSON.stringify(v)}\``;
const cell = (text) => String(text ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The type column: a const, an enum, a type with its item type, or a link to another schema. */
function typeOf(schemas, file, s) {
  if (s.$ref) {
    const r = resolveRef(schemas, file, s.$ref);
    if (r.wholeSchema) return `[${r.node.title ?? r.file}](#${anchor(r.file)})`;
    return typeOf(schemas, r.file, r.node) + (r.node.title ? ` (${r.node.title})` : '');
  }
  if (s.const !== undefined) return `${code(s.const)} (constant)`;
  if (s.enum) return `one of ${s.enum.map(code).join(', ')}`;
  if (s.oneOf) return 'one of the variants below';
  if (s.type === 'array') return `array of ${s.items ? typeOf(schemas, file, s.items) : 'anything'}`;
  return Array.isArray(s.type) ? s.type.join(' or ') : s.type ?? 'any';
}

/** Constraints a reader needs besides the type: bounds, lengths, patterns, defaults. */
function constraintsOf(schemas, file, s) {
  if (s.$ref) {
    const r = resolveRef(schemas, file, s.$ref);
    return r.wholeSchema ? '' : constraintsOf(schemas, r.file, r.node);
  }
  const c = [];
  if (s.minimum !== undefined) c.push(`≥ ${s.minimum}`);
  if (s.exclusiveMinimum !== undefined) c.push(`> ${s.exclusiveMinimum}`);
  if (s.maximum !== undefined) c.push(`≤ ${s.maximum}`);
  if (s.exclusiveMaximum !== undefined) c.push(`< ${s.exclusiveMaximum}`);
  if (s.minLength !== undefined) c.push(`length ≥ ${s.minLength}`);
  if (s.maxLength !== undefined) c.push(`length ≤ ${s.maxLength}`);
  if (s.minItems !== undefined) c.push(`≥ ${s.minItems} items`);
  if (s.maxItems !== undefined) c.push(`≤ ${s.maxItems} items`);
  if (s.uniqueItems) c.push('no duplicates');
  if (s.pattern) c.push(`pattern ${code(s.pattern)}`);
  if (s.format) c.push(`format ${s.format}`);
  if (s.default !== undefined) c.push(`default ${code(s.default)}`);
  if (s.type === 'array' && s.items) {
    const inner = constraintsOf(schemas, file, s.items);
    if (inner) c.push(`each item: ${inner}`);
  }
  return c.join('; ');
}

function descriptionOf(schemas, file, s) {
  if (s.description) return s.description;
  if (s.$ref) {
    const r = resolveRef(schemas, file, s.$ref);
    return r.wholeSchema ? r.node.description ?? '' : descriptionOf(schemas, r.file, r.node);
  }
  return '';
}

/** One table row per field, depth first; objects nest as `a.b`, array items as `a[]`, oneOf variants as `a (variant k)`. */
function rows(schemas, file, s, path, required, out) {
  if (s.$ref) {
    const r = resolveRef(schemas, file, s.$ref);
    if (!r.wholeSchema && (r.node.properties || r.node.oneOf)) return rows(schemas, r.file, r.node, path, required, out);
  }
  if (path) out.push(`| ${code(path)} | ${cell(typeOf(schemas, file, s))} | ${required ? 'yes' : ''} | ${cell(constraintsOf(schemas, file, s))} | ${cell(descriptionOf(schemas, file, s))} |`);
  if (s.properties) {
    const req = new Set(s.required ?? []);
    for (const [name, sub] of Object.entries(s.properties)) rows(schemas, file, sub, path ? `${path}.${name}` : name, req.has(name), out);
  }
  if (s.oneOf) {
    s.oneOf.forEach((variant, k) => {
      const tag = variant.properties?.type?.const ?? variant.title ?? `variant ${k + 1}`;
      rows(schemas, file, variant, `${path} (${tag})`, true, out);
    });
  }
  if (s.type === 'array' && s.items && (s.items.properties || s.items.oneOf)) rows(schemas, file, s.items, `${path}[]`, true, out);
}

export function protocolReference(schemas = loadSchemas()) {
  const out = [
    '# Protocol reference',
    '',
    '<!-- Generated by scripts/generate-docs.mjs from protocols/*.schema.json: edit the schemas, then run `node scripts/generate-docs.mjs`. -->',
    '',
    'Every message between a site and the coordinator, and every artifact a campaign writes, is a JSON document',
    'valid against one of these JSON Schemas (draft 2020-12). "Leaves a site" says whether the site\'s egress guard lets',
    'a document of that schema go out (`x-egress`); every other schema is refused at the site\'s door. Required fields',
    'are marked; a field not listed is refused (`additionalProperties: false`), never ignored.',
    '',
  ];
  for (const [file, s] of Object.entries(schemas)) {
    out.push(`## ${s.title ?? file}`, '', `<a id="${anchor(file)}"></a>`, '');
    out.push(`\`protocols/${file}\` · leaves a site: ${s['x-egress'] === 'allowed' ? '**yes**' : 'no'}`, '');
    if (s.description) out.push(s.description, '');
    const table = [];
    rows(schemas, file, s, '', false, table);
    if (table.length) out.push('| field | type | required | constraints | meaning |', '| --- | --- | --- | --- | --- |', ...table, '');
    if (file === 'common.schema.json') {
      // Shared definitions: other schemas' tables name them by title where they use them.
      out.push('| definition | type | constraints | meaning |', '| --- | --- | --- | --- |');
      for (const [name, def] of Object.entries(s.$defs ?? {})) {
        out.push(`| ${code(name)} | ${cell(typeOf(schemas, file, def))} | ${cell(constraintsOf(schemas, file, def))} | ${cell(def.description ?? '')} |`);
      }
    }
    if (out[out.length - 1] !== '') out.push('');
  }
  return out.join('\n');
}

/** Every command's --help, from the built CLI. */
export async function cliReference() {
  const { Command } = await import(pathToFileURL(join(root, 'node_modules/commander/index.js')).href).then((m) => m.default ?? m);
  const { registerCommands } = await import(pathToFileURL(join(root, 'apps/cli/dist/commands/index.js')).href);
  const program = new Command().name('fedrad').description('FedRad: IBSI-verified radiomics, federated training and external validation');
  await registerCommands(program);
  const out = [
    '# `fedrad` command reference',
    '',
    '<!-- Generated by scripts/generate-docs.mjs from the commands\' own help: edit the commands, build, then run `node scripts/generate-docs.mjs`. -->',
    '',
    'Exit codes: 0 success; 1 a command ran and some of its work failed (e.g. cases of a manifest); 2 a usage error (a',
    'flag, file or value the command cannot take); other codes are listed by the command that uses them.',
    '',
  ];
  const walk = (cmd, names) => {
    for (const sub of cmd.commands) {
      const path = [...names, sub.name()];
      out.push(`## fedrad ${path.join(' ')}`, '', '```text', sub.helpInformation().trimEnd().replace(/^Usage: [^ ]+/, `Usage: fedrad ${names.length ? names.join(' ') + ' ' : ''}${sub.name()}`), '```', '');
      walk(sub, path);
    }
  };
  walk(program, []);
  return out.join('\n');
}

async function main() {
  const check = process.argv.includes('--check');
  const pages = { 'docs/protocol-reference.md': protocolReference(), 'docs/cli-reference.md': await cliReference() };
  let stale = 0;
  for (const [page, text] of Object.entries(pages)) {
    const file = join(root, page);
    let current = '';
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      /* a missing page is stale */
    }
    if (current === text) continue;
    if (check) {
      console.error(`${page} is stale: run \`npm run build && node scripts/generate-docs.mjs\` and commit it`);
      stale++;
    } else {
      writeFileSync(file, text);
      console.log(`wrote ${page}`);
    }
  }
  return stale ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = await main();
