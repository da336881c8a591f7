import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { buildReport, TRIPOD_AI_ITEMS } from '../src/index.js';
import { launchChromium } from './browser.js';
import { campaignRun } from './campaignRun.js';

// The report in a real browser (Debian's chromium through playwright-core): it renders without a
// console error or page error, offline; every plot is drawn with data; it prints.
let browser: Browser;
let url: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedrad-report-'));
  const { html } = await buildReport(campaignRun(3));
  writeFileSync(join(dir, 'report.html'), html);
  url = pathToFileURL(join(dir, 'report.html')).href;
  browser = await launchChromium();
}, 60_000);
afterAll(async () => browser?.close());

describe('the report in chromium', () => {
  it('renders offline with no console error, every plot has drawn marks, and it prints to PDF', async () => {
    const context = await browser.newContext({ offline: true });
    const page = await context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('request', (r) => !r.url().startsWith('file:') && requests.push(r.url()));
    await page.goto(url, { waitUntil: 'load' });
    const plots = await page.$$eval('figure', (figs) =>
      figs.map((f) => {
        const svg = f.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return { caption: f.getAttribute('data-plot'), width: box?.width ?? 0, height: box?.height ?? 0, marks: svg ? svg.querySelectorAll('g.mark-line path, g.mark-symbol path, g.mark-rect path, g.mark-rule line, g.mark-rule path').length : 0 };
      }),
    );
    expect(plots).toHaveLength(8);
    for (const p of plots) {
      expect([p.caption, p.width > 100, p.height > 50, p.marks > 0]).toEqual([p.caption, true, true, true]);
    }
    // Every section is laid out, the new ones included (the TRIPOD+AI table has a row per item).
    const sections = await page.$$eval('section', (ss) => ss.map((x) => ({ id: x.id, height: x.getBoundingClientRect().height, rows: x.querySelectorAll('tbody tr').length })));
    expect(sections.map((x) => x.id)).toEqual(['sites', 'discrimination', 'meta-analysis', 'distributions', 'icc', 'rqs', 'metrics', 'tripod', 'model-card']);
    for (const x of sections) expect([x.id, x.height > 50]).toEqual([x.id, true]);
    expect(sections.find((x) => x.id === 'tripod')!.rows).toBe(TRIPOD_AI_ITEMS.length);
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await context.close();
  }, 60_000);
});
