import { resolve } from 'node:path';
import { contentHash } from '@fedrad/extraction';
import { canonicalHash } from '@fedrad/protocol';
import { FEDRAD_VERSION } from './version.js';

/** One file or folder a command read, identified by content. */
export interface ProvenanceInput {
  /** What the command used it as (`image`, `mask`, `features`, `model`, …). */
  role: string;
  path: string;
  /** SHA-256 of the file's bytes; for a folder (a DICOM series), of its files' relative paths and hashes in order. */
  sha256: string;
  /** How many files a folder held. */
  files?: number;
}

/**
 * How an output was made (issue #19.4): the command line, fedrad's version, every input by
 * content hash, the configuration with its canonical hash (defaults included, so a reader sees
 * what "no config" meant), what was chosen along the way (ROI, kernel mode, cropping) and the
 * output's own hash. Written beside the output as `<output>.provenance.json`.
 */
export interface Provenance {
  type: 'fedrad-provenance';
  command: string;
  argv: string[];
  fedradVersion: string;
  createdAt: string;
  inputs: ProvenanceInput[];
  config?: { path?: string; sha256: string; value: unknown };
  details?: Record<string, unknown>;
  output: { path: string; sha256: string };
}

/** A file's or folder's content hash, with the role the command used it in. */
export function hashInput(role: string, path: string): ProvenanceInput {
  return { role, ...contentHash(path) };
}

export interface ProvenanceFacts {
  command: string;
  inputs: Array<{ role: string; path: string } | ProvenanceInput>;
  config?: { path?: string; value: unknown };
  details?: Record<string, unknown>;
  argv?: string[];
  clock?: () => Date;
}

/** The provenance record of `outputPath` (already written), from what the command knows. */
export function provenanceOf(outputPath: string, facts: ProvenanceFacts): Provenance {
  return {
    type: 'fedrad-provenance',
    command: facts.command,
    argv: facts.argv ?? process.argv.slice(2),
    fedradVersion: FEDRAD_VERSION,
    createdAt: (facts.clock ?? (() => new Date()))().toISOString(),
    inputs: facts.inputs.map((i) => ('sha256' in i ? i : hashInput(i.role, i.path))),
    ...(facts.config ? { config: { ...(facts.config.path ? { path: resolve(facts.config.path) } : {}), sha256: canonicalHash(facts.config.value), value: facts.config.value } } : {}),
    ...(facts.details ? { details: facts.details } : {}),
    output: { path: resolve(outputPath), sha256: contentHash(outputPath).sha256 },
  };
}

export const provenancePath = (outputPath: string) => `${outputPath}.provenance.json`;
