import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { canonicalHash, type FeatureConfig } from '@fedrad/protocol';
import type { ExtractOutcome, ExtractTask } from './extractCase.js';

/**
 * The journal of a cohort extraction: `<out>.partial.jsonl` beside the output file, one line per
 * finished case, appended as each case ends. A run that is killed (Ctrl-C, out of memory, kill -9)
 * or ends with failed cases leaves it behind; the same command run again takes the cases already
 * extracted from it and computes only the rest. It is removed once every case has succeeded.
 *
 * Line 1 is the run's header (the config's hash: another config makes every line stale). Each
 * case line carries the case's own fingerprint: its files' paths, sizes and modification times and
 * its label/roi, so a case whose image or mask changed since is extracted again. Failed cases are
 * always retried. A line cut short by a kill can only be the last one; it is dropped.
 */
export const JOURNAL_SUFFIX = '.partial.jsonl';
const VERSION = 1;

interface Header {
  journal: 'fedrad-extract';
  version: number;
  configHash: string;
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
  private constructor(readonly path: string, private fd: number) {}

  /**
   * Opens the journal for the output file `out`, taking what an earlier run with the same config
   * left (unless `fresh`). The file is rewritten with the header and the lines still valid, so a
   * torn last line never has a new line appended to it.
   */
  static open(out: string, config: FeatureConfig, tasks: readonly ExtractTask[], fresh: boolean): ResumedJournal {
    const path = out + JOURNAL_SUFFIX;
    const header: Header = { journal: 'fedrad-extract', version: VERSION, configHash: canonicalHash(config) };
    const reused = new Map<string, ExtractOutcome>();
    const kept: CaseLine[] = [];
    let notice: string | undefined;
    if (existsSync(path) && !fresh) {
      const earlier = readJournal(path);
      if (!earlier || earlier.header.configHash !== header.configHash || earlier.header.version !== VERSION) {
        notice = `${path} is from a run with another config: extracting every case again`;
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
    const tmp = `${path}.tmp`;
    writeFileSync(tmp, [header, ...kept].map((l) => encodeLine(l) + '\n').join(''));
    renameSync(tmp, path);
    return { journal: new ExtractJournal(path, openSync(path, 'a')), reused, notice };
  }

  /** Appends a finished case (written through to the file before the next case is counted). */
  record(task: ExtractTask, outcome: ExtractOutcome): void {
    writeSync(this.fd, encodeLine({ fingerprint: caseFingerprint(task), outcome }) + '\n');
  }

  /** Closes the journal, and deletes it when nothing is left to retry. */
  close(remove: boolean): void {
    closeSync(this.fd);
    if (remove) rmSync(this.path, { force: true });
  }
}

/** The case as extracted: its row of the manifest and the size and time of each of its files. */
export function caseFingerprint(task: ExtractTask): string {
  const file = (p: string) => {
    try {
      const s = statSync(p);
      return [p, s.size, s.mtimeMs];
    } catch {
      return [p, null, null];
    }
  };
  return canonicalHash({ image: file(task.image), mask: file(task.mask), label: task.label ?? null, roi: task.roi ?? null });
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
