import type { ErrorReport } from '@fedrad/protocol';

const CODE = /^[A-Z][A-Z0-9_]{2,63}$/;

/**
 * Turns anything thrown by a job into the protocol's error report: a stable code, the first
 * line of the message (never a stack trace, never data), and the failing case id when the
 * error names one. Unknown throwables become JOB_FAILED.
 *
 * The table readers' errors quote the offending cell (`value`): a label "yes", a feature
 * written "12,5", a survival time. That is one patient's data, so the report withholds it —
 * file, line, column and case id are enough for the site's operator to find the cell.
 */
export function toErrorReport(error: unknown): ErrorReport {
  const e = (error ?? {}) as {
    code?: unknown; message?: unknown; caseId?: unknown; field?: unknown; column?: unknown; retryable?: unknown; value?: unknown;
    context?: { caseId?: unknown; field?: unknown; retryable?: unknown; value?: unknown };
  };
  const code = typeof e.code === 'string' && CODE.test(e.code) ? e.code : 'JOB_FAILED';
  const rawMessage = typeof e.message === 'string' && e.message.trim() ? e.message : String(error);
  const caseId = e.caseId ?? e.context?.caseId;
  const value = e.value ?? e.context?.value;
  const message = typeof value === 'string' && value.trim() !== '' && value !== caseId ? withhold(rawMessage, value) : rawMessage;
  const report: ErrorReport = { type: 'error-report', code, message: firstLine(message) };
  if (typeof caseId === 'string' && caseId.length > 0) report.caseId = caseId.slice(0, 128);
  const field = e.field ?? e.column ?? e.context?.field;
  if (typeof field === 'string' && field.length > 0) report.field = field.slice(0, 200);
  const retryable = e.retryable ?? e.context?.retryable;
  if (typeof retryable === 'boolean') report.retryable = retryable;
  return report;
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
  return (text.length > 0 ? text : 'The job failed without a message.').slice(0, 2000);
}
