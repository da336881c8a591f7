import type { ReactNode } from 'react';
import { apiError } from '../api';

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

/** A failed call: the server's code and message (the API never sends a stack). */
export function ErrorBox({ error, title }: { error: unknown; title?: string }) {
  const e = apiError(error);
  return (
    <div className="error" role="alert">
      {title ? <strong>{title}: </strong> : null}
      <code>{e.code}</code> {e.message}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** A hash in monospace: the first 12 hex digits shown, all of it on hover and when copied. */
export function Hash({ value }: { value: string | null | undefined }) {
  if (!value) return <span className="muted">—</span>;
  return (
    <code className="hash" title={value}>
      {value.length > 16 ? `${value.slice(0, 12)}…` : value}
    </code>
  );
}

// One formatter for every timestamp (toLocaleString's default fields): Date#toLocaleString builds a
// new one per call, which at 150 rows of a campaign page was a measurable part of its first render.
const LOCAL_TIME = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });

export function When({ at }: { at: string | null | undefined }) {
  if (!at) return <span className="muted">never</span>;
  return <time dateTime={at} title={at}>{LOCAL_TIME.format(new Date(at))}</time>;
}

export function StateBadge({ state }: { state: string }) {
  return <span className={`badge state-${state}`}>{state}</span>;
}

/** Why a control is disabled for this operator (the server refuses it too). */
export const READ_ONLY_TITLE = 'Your role may not change this (the coordinator refuses it too)';

/** The coordinator's detached signature of a model card: algorithm, signer certificate, signed document. */
export function Signature({ signature }: { signature: { signature: string; algorithm: string; signerCertificateSha256: string; documentSha256: string; signedAt: string } }) {
  return (
    <span data-testid="signature">
      {signature.algorithm} by certificate <Hash value={signature.signerCertificateSha256} /> over document <Hash value={signature.documentSha256} />, signed <When at={signature.signedAt} />
    </span>
  );
}
