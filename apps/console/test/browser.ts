import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium (scripts/prerequisites.mjs installs it with `npm run setup`); playwright-core drives it and downloads no browser. */
export const CHROMIUM = process.env.FEDRAD_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  // A missing browser fails the test, naming the fix: the console's e2e test is never skipped.
  if (!existsSync(CHROMIUM)) throw new Error(`No chromium at ${CHROMIUM}: run \`npm run setup\` (scripts/prerequisites.mjs installs Debian's chromium) or set FEDRAD_CHROMIUM`);
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
}
