import { readFileSync } from 'node:fs';

/** This coordinator's version (its package.json), written into model cards, provenance and reports. */
export const COORDINATOR_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
