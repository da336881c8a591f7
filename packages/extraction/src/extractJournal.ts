import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { sourceFiles } from '@fedrad/imaging';
import { canonicalHash, type FeatureConfig } from '@fedrad/protocol';
import { writeDurably } from './durableFile.js';
import { ExtractionLockedError } from './errors.js';
import type { ExtractOutcome, ExtractTask } from './extractCase.js';

/**
 * The journal of a cohort extraction: `<out>.partial.jsonl` beside the output file, one line per
 * finished case, appended as each case ends. A run that is killed (Ctrl-C, out of memory, kill -9)
 * or ends with failed cases leaves it behind; the same command run again takes the cases already
 * extracted from it and computes only the rest. It is removed once every case has succeeded.
 *
 * Line 1 is the run's header: the config's hash and the fedrad packages' versions, with the
 * caller's own (the CLI's) in front (another config or another fedrad makes every line stale). Each case line carries the case's fingerprint, taken
 * before it was extracted: the size and modification time of every file its readers read
 * (@fedrad/imaging's sourceFiles) and its label/roi, so a
 * case whose files changed since is extracted again. Failed cases are always retried. A line cut
 * short by a kill can only be the last one; it is dropped. `<out>.lock` (the running process's
 * pid) keeps two runs from sharing one journal.
 */
export const JOURNAL_SUFFIX = '.partial.jsonl';
const VERSION = 1;

interface Header {
  journal: 'fedrad-extract';
  version: number;
  configHash: string;
  software: string;
}

interface CaseLine {
  fingerprint: string;
  outcome: ExtractOutcome;
}

export interface ResumedJournal {
  journal: ExtractJournal;
  /** Successful outcomes of an earlier run, by case id, for cases whose fingerprint still matches. */
  reused: Map<string, ExtractOutcome>;
  /** What happened to an existing journal, for the user (undefined when there was none). */
  notice?: string;
}

export class ExtractJournal {
  private closed = false;

  private constructor(readonly path: string, private readonly fd: number, private readonly lock: string) {}

  /**
   * Opens the journal for the output file `out`, taking what an earlier run with the same config
   * left (unless `fresh`). The file is rewritten with the header and the lines still valid, so a
   * torn last line never has a new line appended to it. `caller` (name@version of the program
   * running the extraction) joins the software versions of the header.
   */
  static open(out: string, config: FeatureConfig, tasks: readonly ExtractTask[], fresh: boolean, caller?: string): ResumedJournal {
    const lock = takeLock(out);
    try {
      return ExtractJournal.resume(out, config, tasks, fresh, lock, caller);
    } catch (e) {
      rmSync(lock, { force: true });
      throw e;
    }
  }

  private static resume(out: string, config: FeatureConfig, tasks: readonly ExtractTask[], fresh: boolean, lock: string, caller: string | undefined): ResumedJournal {
    const path = out + JOURNAL_SUFFIX;
    const header: Header = { journal: 'fedrad-extract', version: VERSION, configHash: canonicalHash(config), software: softwareVersions(caller) };
    const reused = new Map<string, ExtractOutcome>();
    const kept: CaseLine[] = [];
    let notice: string | undefined;
    if (existsSync(path) && !fresh) {
      const earlier = readJournal(path);
      if (!earlier || earlier.header.version !== VERSION) {
        notice = `${path} is not a journal this fedrad can read: extracting every case again`;
      } else if (earlier.header.configHash !== header.configHash || earlier.header.software !== header.software) {
        notice = `${path} is from a run with another config or fedrad version: extracting every case again`;
      } else {
        const byId = new Map(tasks.map((t) => [t.id, t]));
        for (const line of earlier.lines) {
          const task = byId.get(line.outcome.id);
          if (!line.outcome.ok || !task || line.fingerprint !== caseFingerprint(task)) continue;
          reused.set(task.id, line.outcome);
          kept.push(line);
        }
        notice = `resuming from ${path}: ${reused.size} of ${tasks.length} case(s) already extracted`;
      }
    } else if (existsSync(path)) {
      notice = `--fresh: ignoring ${path}`;
    }
    writeDurably(path, [header, ...kept].map((l) => encodeLine(l) + '\n').join(''));
    return { journal: new ExtractJournal(path, openSync(path, 'a'), lock), reused, notice };
  }

  /**
   * Appends a finished case, with the fingerprint taken before it ran (a file changed meanwhile
   * then makes the line stale rather than the old result current). Written through to the file
   * before the next case is counted; nothing once the journal is closed.
   */
  record(fingerprint: string, outcome: ExtractOutcome): void {
    if (!this.closed) writeSync(this.fd, encodeLine({ fingerprint, outcome }) + '\n');
  }

  /** Closes the journal and releases the lock; deletes the journal when nothing is left to retry. */
  close(remove: boolean): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
    if (remove) rmSync(this.path, { force: true });
    rmSync(this.lock, { force: true });
  }
}

/**
 * Creates `<out>.lock` holding this process's pid. A lock whose process is gone (a run killed with
 * -9) is taken over; one whose process still runs is refused, naming it.
 */
function takeLock(out: string): string {
  const lock = `${out}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      return lock;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = Number(readFileSync(lock, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processRuns(pid)) {
      throw new ExtractionLockedError(`another fedrad extract (pid ${pid}) is writing ${out}; wait for it or stop it (its lock is ${lock})`, { output: out, lock, pid });
    }
    rmSync(lock, { force: true }); // left by a run that was killed
  }
  throw new ExtractionLockedError(`could not take the lock ${lock}: another run keeps creating it`, { output: out, lock });
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

/** The versions of the packages that turn a case into features, after the caller's own. */
function softwareVersions(caller: string | undefined): string {
  const require = createRequire(import.meta.url);
  const version = (entry: string) => {
    const pkg = JSON.parse(readFileSync(join(dirname(require.resolve(entry)), '..', 'package.json'), 'utf8')) as { name: string; version: string };
    return `${pkg.name}@${pkg.version}`;
  };
  const own = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  const versions = [`${own.name}@${own.version}`, version('@fedrad/imaging'), version('@fedrad/radiomics')];
  return (caller ? [caller, ...versions] : versions).join(' ');
}

/**
 * The case as it will be extracted: its label/roi, whether its mask may be cropped to the image,
 * and the size and time of every file it reads (a case cropped under --crop-mask-to-image is not
 * reused by a run without it, which must refuse it).
 */
export function caseFingerprint(task: ExtractTask): string {
  return canonicalHash({ image: filesOf(task.image), mask: filesOf(task.mask), label: task.label ?? null, roi: task.roi ?? null, crop: task.cropMaskToImage ?? false });
}

/** [path, size, mtime] of each file the readers read for `path`. */
function filesOf(path: string): Array<[string, number | null, number | null]> {
  return sourceFiles(path).map((p) => {
    try {
      const s = statSync(p);
      return [p, s.size, s.mtimeMs];
    } catch {
      return [p, null, null];
    }
  });
}

function readJournal(path: string): { header: Header; lines: CaseLine[] } | undefined {
  const text = readFileSync(path, 'utf8').split('\n');
  let header: Header;
  try {
    header = decodeLine(text[0]) as Header;
  } catch {
    return undefined;
  }
  if (header?.journal !== 'fedrad-extract') return undefined;
  const lines: CaseLine[] = [];
  for (let i = 1; i < text.length; i++) {
    if (!text[i]) continue;
    try {
      lines.push(decodeLine(text[i]) as CaseLine);
    } catch {
      break; // torn by a kill mid-write: only ever the last line
    }
  }
  return { header, lines };
}

// Feature values can be NaN or ±Infinity (undefined features of a tiny ROI), which JSON cannot
// hold: they are written as the strings "NaN", "Infinity" and "-Infinity" and read back as numbers.
function encodeLine(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}

function decodeLine(line: string): unknown {
  const value = JSON.parse(line) as Partial<CaseLine>;
  const outcome = value.outcome;
  if (outcome?.ok) for (const map of [outcome.features, outcome.diagnostics]) {
    for (const [k, v] of Object.entries(map)) if (typeof v === 'string') map[k] = Number(v);
  }
  return value;
}
