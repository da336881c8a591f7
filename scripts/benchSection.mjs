// The shared shape of a package's section of BENCHMARKS.md: timing, the table, and rewriting the
// section between its markers (other sections untouched). Used by packages/harmonize/bench.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH_FILE = join(dirname(fileURLToPath(import.meta.url)), '../BENCHMARKS.md');

/** Median wall time over `runs` runs (ms) after one warm-up run, and the last run's result. */
export function medianTime(fn, runs = 3) {
  let result = fn();
  const times = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    result = fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return [times.sort((a, b) => a - b)[Math.floor(times.length / 2)], result];
}

export const formatMs = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

/**
 * Prints `rows` ([what, ms, target ms or null]) and writes them as `section`'s table in
 * BENCHMARKS.md, under `title`, with the machine, the date and `notes`.
 */
export function writeBenchSection(section, title, notes, rows) {
  const cpu = cpus();
  const body = [
    `<!-- bench:${section} -->`,
    `### ${title}`,
    '',
    `${new Date().toISOString().slice(0, 10)} · ${cpu[0]?.model?.trim() ?? 'unknown CPU'} · ${cpu.length} cores · node ${process.version} · ${notes.timing}`,
    '',
    notes.data,
    '',
    '| what | time | target | met |',
    '| --- | ---: | ---: | :---: |',
    ...rows.map(([what, ms, target]) => `| ${what} | ${formatMs(ms)} | ${target ? `< ${formatMs(target)}` : ''} | ${target ? (ms < target ? 'yes' : '**no**') : ''} |`),
    `<!-- /bench:${section} -->`,
  ].join('\n');
  for (const [what, ms, target] of rows) console.log(`${what}: ${formatMs(ms)}${target ? ` (target < ${formatMs(target)})` : ''}`);
  replaceSection(section, body);
}

/** Writes `text` (a section's title, notes and table, without its markers) as `section` of BENCHMARKS.md. */
export function writeBenchSectionText(section, text) {
  replaceSection(section, [`<!-- bench:${section} -->`, text, `<!-- /bench:${section} -->`].join('\n'));
}

function replaceSection(section, body) {
  const escaped = section.replace(/[/@]/g, '\\$&');
  const pattern = new RegExp(`<!-- bench:${escaped} -->[\\s\\S]*?<!-- /bench:${escaped} -->`);
  const current = existsSync(BENCH_FILE) ? readFileSync(BENCH_FILE, 'utf8') : '# Benchmarks\n';
  writeFileSync(BENCH_FILE, pattern.test(current) ? current.replace(pattern, () => body) : `${current.trimEnd()}\n\n${body}\n`);
  console.log(`updated ${BENCH_FILE}`);
}
