import { useEffect, useMemo, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import example from '../../../../protocols/examples/campaign-protocol/valid-1.json';
import { apiError, trpc } from '../api';
import { checkDraft, groupByField, pointerToField } from '../logic/protocolDraft';
import { href } from '../router';
import { useSession } from '../session';
import { ErrorBox, READ_ONLY_TITLE } from '../components/ui';

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

/**
 * A campaign protocol as JSON: checked against the schema on every keystroke in the browser,
 * and (debounced) by the coordinator's campaigns.check for its canonical hash, every field
 * it would refuse and its notices. Create stays disabled until both are clean (notices do not block it).
 */
export function ProtocolEditor() {
  const { me } = useSession();
  const queryClient = useQueryClient();
  const [text, setText] = useState(() => JSON.stringify(example, null, 2));
  const local = useMemo(() => checkDraft(text), [text]);
  const debounced = useDebounced(text, 350);
  const debouncedDoc = useMemo(() => checkDraft(debounced).doc, [debounced]);
  const server = useQuery({
    queryKey: ['campaigns.check', debounced],
    queryFn: () => trpc.campaigns.check.query(debouncedDoc),
    enabled: debouncedDoc !== undefined,
    placeholderData: (previous) => previous,
  });
  const create = useMutation({
    mutationFn: (doc: unknown) => trpc.campaigns.create.mutate(doc as never),
    onSuccess: async (r) => {
      await queryClient.invalidateQueries({ queryKey: ['campaigns'] });
      location.hash = href.campaign(r.campaignId);
    },
  });
  const stale = debounced !== text || server.isFetching;
  const refused = server.data && !stale ? server.data.refused : [];
  const canCreate = Boolean(me?.can.campaign) && local.doc !== undefined && local.issues.length === 0 && !stale && server.data?.valid === true && refused.length === 0;

  return (
    <section aria-labelledby="editor-title">
      <h1 id="editor-title">New campaign</h1>
      <p className="muted">
        The protocol is pre-registered: the campaign is locked by the SHA-256 of its canonical JSON before any site sees data.
      </p>
      <div className="editor">
        <div className="editor-text">
          <label htmlFor="protocol">Campaign protocol (JSON, protocols/campaign-protocol.schema.json)</label>
          <textarea
            id="protocol"
            spellCheck={false}
            value={text}
            onChange={(e) => setText(e.target.value)}
            aria-invalid={local.syntaxError !== undefined || local.issues.length > 0}
            aria-describedby="schema-result refusals"
            rows={30}
          />
        </div>
        <aside className="editor-checks">
          <h2>Schema</h2>
          <div id="schema-result" aria-live="polite">
            {local.syntaxError ? (
              <p className="error" data-testid="syntax-error">Not JSON: {local.syntaxError}</p>
            ) : local.issues.length === 0 ? (
              <p className="ok" data-testid="schema-ok">Valid against the campaign-protocol schema</p>
            ) : (
              <ul className="issues" data-testid="schema-issues">
                {groupByField(local.issues, (i) => pointerToField(i.field)).map((g) => (
                  <li key={g.field}>
                    <strong>{g.field}</strong>
                    <ul>
                      {g.items.map((i, n) => (
                        <li key={n}><code>{pointerToField(i.field)}</code> {i.message}</li>
                      ))}
                    </ul>
                  </li>
                ))}
              </ul>
            )}
          </div>
          <h2>Canonical hash</h2>
          <p data-testid="protocol-hash">
            {local.doc === undefined ? <span className="muted">—</span> : stale ? <span className="muted">checking…</span> : server.data?.protocolHash ? <code className="hash-full">{server.data.protocolHash}</code> : <span className="muted">—</span>}
          </p>
          <h2>Would the coordinator run it?</h2>
          <div id="refusals" aria-live="polite">
            {server.isError ? <ErrorBox error={server.error} title="Check failed" /> : null}
            {local.doc === undefined || local.issues.length > 0 ? (
              <p className="muted">Checked once the document matches the schema.</p>
            ) : stale || !server.data ? (
              <p className="muted">checking…</p>
            ) : refused.length === 0 ? (
              <p className="ok" data-testid="no-refusals">Every field is carried out by this coordinator</p>
            ) : (
              <ul className="warnings" data-testid="refusals">
                {refused.map((r, n) => (
                  <li key={n}><code>{r.field || '(plan)'}</code> {r.reason}</li>
                ))}
              </ul>
            )}
            {/* Not refusals: what the operator should know before locking it (e.g. rounds the sites cannot verify, which they refuse unless they opt in). */}
            {server.data && !stale && server.data.notices.length > 0 ? (
              <ul className="warnings" data-testid="notices">
                {server.data.notices.map((n, i) => (
                  <li key={i}><code>{n.field}</code> {n.notice}</li>
                ))}
              </ul>
            ) : null}
          </div>
          <div className="actions">
            <button type="button" disabled={!canCreate || create.isPending} title={me?.can.campaign ? undefined : READ_ONLY_TITLE} onClick={() => create.mutate(local.doc)}>
              {create.isPending ? 'Creating…' : 'Create and lock campaign'}
            </button>
            <a href={href.campaigns}>Cancel</a>
          </div>
          {create.isError ? <p className="error" role="alert">{apiError(create.error).message}</p> : null}
        </aside>
      </div>
    </section>
  );
}
