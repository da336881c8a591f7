import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium (scripts/prerequisites.mjs installs it with `npm run setup`); playwright-core drives it and downloads no browser. */
export const CHROMIUM = process.env.FEDRAD_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  // A missing browser fails the test, naming the fix: the console's e2e test is never skipped.
  if (!existsSync(CHROMIUM)) throw new Error(`No chromium at ${CHROMIUM}: run \`npm run setup\` (scripts/prerequisites.mjs installs Debian's chromium) or set FEDRAD_CHROMIUM`);
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
}

/** Signs in on the console's page, by keyboard only: the operator field has focus, Tab to the password, Enter submits. */
export async function signIn(context: BrowserContext, origin: string, who: { username: string; password: string }): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${origin}/`);
  await page.getByLabel('Operator').waitFor();
  await page.keyboard.type(who.username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(who.password);
  await page.keyboard.press('Enter');
  await page.getByTestId('operator').filter({ hasText: who.username }).waitFor();
  return page;
}
