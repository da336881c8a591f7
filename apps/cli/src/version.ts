import { readFileSync } from 'node:fs';

/** fedrad's version: the CLI package's, read once from its package.json (one place to bump). */
export const FEDRAD_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
