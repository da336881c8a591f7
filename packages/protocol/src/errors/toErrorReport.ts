import type { ErrorReport } from '../generated/types.js';
import { isFedRadError } from './fedRadError.js';

/** The error-report schema's limits. */
const MESSAGE_MAX = 2000;
const CASE_ID_MAX = 128;
const FIELD_MAX = 200;

/** What a site knows about its own file system, so its paths can be kept out of a report. */
export interface ErrorReportOptions {
  /** Folders whose paths must not leave (the site's data root, config folder, cohort folders, home, temp). */
  localRoots?: readonly string[];
}

/** What a report says of an error that is not one of FedRad's: its text may quote data (a parser's snippet), so it stays at the site. */
export const UNEXPECTED_ERROR_MESSAGE = "The job failed with an unexpected error; the site's operator sees the details in the site's log and in `fedrad site status`.";

/**
 * The wire's error report for anything a site job threw: the error's code, the first lines of
 * its message (never a stack trace, never data), and the failing case id, field and
 * retryability from its context. Anything that is not a FedRadError becomes JOB_FAILED with a
 * fixed message: its text was not written for the wire.
 *
 * The table readers' errors quote the offending cell (`context.value`): a label "yes", a feature
 * written "12,5", a survival time. That is one patient's data, so the report withholds it —
 * file, line, column and case id are enough for the site's operator to find the cell.
 *
 * Local paths never leave: the error's own file, every path under the site's `localRoots`, and
 * any absolute path under a usual top-level folder (/home, /srv, /mnt, /data, C:\\ …) become
 * "(a path at the site)". Not even the file name is kept, since file and folder names can carry
 * a patient's name. The site keeps the full message for its own operator (`localReason`).
 */
export function toErrorReport(error: unknown, options: ErrorReportOptions = {}): ErrorReport {
  if (!isFedRadError(error)) return { type: 'error-report', code: 'JOB_FAILED', message: UNEXPECTED_ERROR_MESSAGE };
  const { caseId, value, retryable, file } = error.context;
  const field = error.context.field ?? error.context.column;
  const message = value !== undefined && value.trim() !== '' && value !== caseId ? withhold(error.message, value) : error.message;
  // The error's own file goes whole when it is a path (a bare file name says nothing of the site's folders).
  const roots = [...(options.localRoots ?? []), ...(file && /[\\/]/.test(file) ? [file] : [])];
  const report: ErrorReport = { type: 'error-report', code: error.code, message: firstLine(withoutLocalPaths(message, roots)) };
  if (caseId) report.caseId = caseId.slice(0, CASE_ID_MAX);
  if (field) report.field = field.slice(0, FIELD_MAX);
  if (retryable !== undefined) report.retryable = retryable;
  return report;
}

/**
 * The full text a site keeps for its own operator when a job fails: the message with its local
 * paths, and the chain of causes (`cause`), one per line. Never sent.
 */
export function localReason(error: unknown): string {
  const lines: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    const code = isFedRadError(e) ? `[${e.code}] ` : '';
    lines.push(`${depth === 0 ? '' : 'caused by: '}${code}${e instanceof Error ? e.message : String(e)}`);
    e = e instanceof Error ? (e as Error & { cause?: unknown }).cause : undefined;
  }
  return lines.join('\n');
}

export const LOCAL_PATH = '(a path at the site)';

// The rest of a path after a known root: anything up to a space, quote or separator of prose. The
// root must end there or at a separator, so /tmp is not cut out of /tmpfiles.
const PATH_TAIL = String.raw`(?:[\\/][^\s"'\`:;,()]*)?(?![^\\/\s"'\`:;,()])`;
// Absolute paths under the usual top-level folders of a site's machines (not JSON pointers such as
// /params/model/family), Windows drive paths, home-relative and file: URLs.
const USUAL_POSIX = String.raw`(?<![\w.~/:-])/(?:home|Users|srv|mnt|media|data|tmp|var|opt|root|Volumes|run|net|nfs|scratch|work|usr|private|export|pacs)(?:/[^\s"'\`:;,()]*)?(?![^/\s"'\`:;,()])`;
const WINDOWS = String.raw`\b[A-Za-z]:\\[^\s"'\`:;,()]*`;
const HOME = String.raw`(?<![\w.])~/[^\s"'\`:;,()]*`;
const FILE_URL = String.raw`\bfile://[^\s"'\`:;,()]*`;
const USUAL_PATHS = new RegExp(`${FILE_URL}|${USUAL_POSIX}|${WINDOWS}|${HOME}`, 'g');

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A message with the site's paths replaced by LOCAL_PATH: those under `roots` first (spaces and all), then the usual absolute forms. */
export function withoutLocalPaths(message: string, roots: readonly string[] = []): string {
  let out = message;
  const known = [...new Set(roots.map((r) => r.replace(/[\\/]+$/, '')).filter((r) => r.length > 1))].sort((a, b) => b.length - a.length);
  for (const root of known) out = out.replace(new RegExp(escapeRegExp(root) + PATH_TAIL, 'g'), LOCAL_PATH);
  return out.replace(USUAL_PATHS, LOCAL_PATH);
}

/** The cell's text where a reader's message quotes it: `"<value>"` or `is <value>;`. */
function withhold(message: string, value: string): string {
  const v = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return message.replace(new RegExp(`"${v}"|(?<=\\bis )${v}(?=[;,.]?(\\s|$))`, 'g'), '(value withheld at the site)');
}

function firstLine(message: string): string {
  // Keep the human sentence; drop anything that looks like a stack frame or a data dump.
  const lines = message.split('\n').filter((l) => !/^\s+at /.test(l));
  const text = lines.slice(0, 6).join(' ').replace(/\s+/g, ' ').trim();
  return (text.length > 0 ? text : 'The job failed without a message.').slice(0, MESSAGE_MAX);
}
