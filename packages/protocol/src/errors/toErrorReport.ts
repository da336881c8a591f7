import type { ErrorReport } from '../generated/types.js';
import { isFedRadError } from './fedRadError.js';

/** The error-report schema's limits. */
const MESSAGE_MAX = 2000;
const CASE_ID_MAX = 128;
const FIELD_MAX = 200;

/**
 * The wire's error report for anything a site job threw: the error's code, the first line of
 * its message (never a stack trace, never data), and the failing case id, field and
 * retryability from its context. Anything that is not a FedRadError becomes JOB_FAILED.
 *
 * The table readers' errors quote the offending cell (`context.value`): a label "yes", a feature
 * written "12,5", a survival time. That is one patient's data, so the report withholds it —
 * file, line, column and case id are enough for the site's operator to find the cell.
 *
 * Local file paths (`/srv/pacs/export/…/outcome.csv`, `D:\\cohorts\\…`) are cut to their last
 * component: the report names the file, not the site's folder layout. The site keeps the full
 * message for its own operator (`localReason`).
 */
export function toErrorReport(error: unknown): ErrorReport {
  if (!isFedRadError(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return { type: 'error-report', code: 'JOB_FAILED', message: firstLine(withoutLocalPaths(message)) };
  }
  const { caseId, value, retryable } = error.context;
  const field = error.context.field ?? error.context.column;
  const message = value !== undefined && value.trim() !== '' && value !== caseId ? withhold(error.message, value) : error.message;
  const report: ErrorReport = { type: 'error-report', code: error.code, message: firstLine(withoutLocalPaths(message)) };
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

// An absolute POSIX path of two or more components, or a Windows drive path, not inside a word or
// a URL; the last component is kept.
const POSIX_PATH = /(?<![\w.~\/:-])\/(?:[^\s\/"'`:;,()]+\/)+([^\s\/"'`:;,()]*)/g;
const WINDOWS_PATH = /\b[A-Za-z]:\\(?:[^\s\\"'`:;,()]+\\)*([^\s\\"'`:;,()]*)/g;

/** A message with every local path cut to its file (or last folder) name. */
export function withoutLocalPaths(message: string): string {
  const last = (match: string, name: string) => name || match.replace(/[\\/]+$/, '').split(/[\\/]/).pop() || match;
  return message.replace(POSIX_PATH, last).replace(WINDOWS_PATH, last);
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
