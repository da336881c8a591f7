import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiError, trpc, type Inputs } from '../api';
import { useSession } from '../session';
import { sortTokens } from '../logic/operators';
import { Empty, ErrorBox, Loading, READ_ONLY_TITLE, StateBadge, When } from '../components/ui';

const ROLES = ['study-lead', 'auditor', 'admin'] as const;

/**
 * Operator accounts (admin only: users.list / users.add) and API tokens (tokens.*): an admin sees and
 * revokes every operator's tokens; anyone else sees, creates and revokes their own, as the coordinator allows.
 */
export function Operators() {
  const { me } = useSession();
  const admin = Boolean(me?.can.admin);
  return (
    <section aria-labelledby="operators-title">
      <h1 id="operators-title">Operators and API tokens</h1>
      <h2>Operator accounts</h2>
      {admin ? <Accounts /> : <Empty>Only an admin lists and adds operator accounts.</Empty>}
      <Tokens admin={admin} self={me?.username ?? ''} />
    </section>
  );
}

function Accounts() {
  const queryClient = useQueryClient();
  const users = useQuery({ queryKey: ['users'], queryFn: () => trpc.users.list.query() });
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<(typeof ROLES)[number]>('study-lead');
  const add = useMutation({ mutationFn: (i: Inputs['users']['add']) => trpc.users.add.mutate(i), onSettled: () => queryClient.invalidateQueries({ queryKey: ['users'] }) });
  function submit(e: FormEvent) {
    e.preventDefault();
    add.mutate({ username, role });
  }
  return (
    <>
      {users.isPending ? <Loading what="operators" /> : users.isError ? <ErrorBox error={users.error} /> : (
        <table data-testid="operators">
          <thead><tr><th scope="col">Operator</th><th scope="col">Role</th><th scope="col">Created</th><th scope="col">Status</th></tr></thead>
          <tbody>
            {users.data.map((u) => (
              <tr key={u.username}><td>{u.username}</td><td><span className={`badge role-${u.role}`}>{u.role}</span></td><td><When at={u.createdAt} /></td><td>{u.disabledAt ? <>disabled <When at={u.disabledAt} /></> : 'active'}</td></tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="inline-form" onSubmit={submit} aria-labelledby="add-operator-title">
        <h3 id="add-operator-title">Add an operator</h3>
        <div className="fields">
          <div><label htmlFor="op-name">Operator name</label><input id="op-name" required pattern="[a-z][a-z0-9._\-]{1,63}" value={username} onChange={(e) => setUsername(e.target.value)} /></div>
          <div>
            <label htmlFor="op-role">Role</label>
            <select id="op-role" value={role} onChange={(e) => setRole(e.target.value as (typeof ROLES)[number])}>{ROLES.map((r) => <option key={r} value={r}>{r}</option>)}</select>
          </div>
          <button type="submit" disabled={add.isPending}>Add operator</button>
        </div>
        {add.isError ? <p className="error" role="alert">{apiError(add.error).message}</p> : null}
        {add.data ? (
          <p className="ok" role="status" data-testid="operator-password">
            {add.data.username} ({add.data.role}) can sign in with the password <code>{add.data.password}</code>. Hand it over out of band; it is shown only now.
          </p>
        ) : null}
      </form>
    </>
  );
}

function Tokens({ admin, self }: { admin: boolean; self: string }) {
  const queryClient = useQueryClient();
  const tokens = useQuery({ queryKey: ['tokens'], queryFn: () => trpc.tokens.list.query() });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['tokens'] });
  const [label, setLabel] = useState('api');
  const [days, setDays] = useState(90);
  const [owner, setOwner] = useState('');
  const create = useMutation({ mutationFn: (i: Inputs['tokens']['create']) => trpc.tokens.create.mutate(i), onSettled: refresh });
  const revoke = useMutation({ mutationFn: (tokenId: string) => trpc.tokens.revoke.mutate({ tokenId }), onSettled: refresh });
  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate({ label, days, username: admin && owner && owner !== self ? owner : undefined });
  }
  return (
    <>
      <h2>API tokens</h2>
      <p className="muted small">{admin ? 'Every operator\'s tokens.' : 'Your own tokens: only an admin sees or revokes another operator\'s.'} A token is a bearer secret for scripts (`Authorization: Bearer …`), shown once when created.</p>
      <form className="inline-form" onSubmit={submit} aria-labelledby="token-title">
        <h3 id="token-title">Create a token</h3>
        <div className="fields">
          <div><label htmlFor="token-label">Label</label><input id="token-label" required pattern="[\w .:@\-]{1,64}" value={label} onChange={(e) => setLabel(e.target.value)} /></div>
          <div><label htmlFor="token-days">Valid for (days)</label><input id="token-days" type="number" min={1} max={3650} value={days} onChange={(e) => setDays(Number(e.target.value))} /></div>
          {admin ? <div><label htmlFor="token-owner">For operator (empty: yourself)</label><input id="token-owner" pattern="[a-z][a-z0-9._\-]{1,63}" value={owner} onChange={(e) => setOwner(e.target.value)} /></div> : null}
          <button type="submit" disabled={create.isPending}>Create token</button>
        </div>
        {create.isError ? <p className="error" role="alert">{apiError(create.error).message}</p> : null}
        {create.data ? (
          <p className="ok" role="status" data-testid="api-token">
            Token {create.data.tokenId} for {create.data.username}: <code>{create.data.token}</code>{create.data.expiresAt ? <> (valid until <When at={create.data.expiresAt} />)</> : null}. Copy it now; it is shown only once.
          </p>
        ) : null}
      </form>
      {revoke.isError ? <ErrorBox error={revoke.error} title="Revoke" /> : null}
      {tokens.isPending ? <Loading what="tokens" /> : tokens.isError ? <ErrorBox error={tokens.error} /> : tokens.data.length === 0 ? (
        <Empty>No API token.</Empty>
      ) : (
        <table data-testid="tokens">
          <thead><tr><th scope="col">Token</th><th scope="col">Operator</th><th scope="col">Label</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">State</th><th scope="col">Revoke</th></tr></thead>
          <tbody>
            {sortTokens(tokens.data, new Date()).map((t) => {
              const mine = t.username === self;
              return (
                <tr key={t.tokenId}>
                  <td><code>{t.tokenId}</code></td><td>{t.username}</td><td>{t.label}</td><td><When at={t.createdAt} /></td>
                  <td>{t.expiresAt ? <When at={t.expiresAt} /> : 'never'}</td>
                  <td><StateBadge state={t.state} /></td>
                  <td>
                    {t.state === 'revoked' ? null : (
                      <button type="button" className="secondary" disabled={!(admin || mine) || revoke.isPending} title={admin || mine ? undefined : READ_ONLY_TITLE} onClick={() => confirm(`Revoke token ${t.tokenId} (${t.label}) of ${t.username}? Scripts using it stop working at once.`) && revoke.mutate(t.tokenId)}>Revoke</button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}
