import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiError, trpc, type Inputs } from '../api';
import { useSession } from '../session';
import { Empty, ErrorBox, Hash, Loading, READ_ONLY_TITLE, StateBadge, When } from '../components/ui';

const REASONS = ['unspecified', 'keyCompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation'] as const;

/** Enrolment (one-time codes, requests with their key fingerprints, approve/reject) and the enrolled sites (status, revoke). */
export function Sites() {
  const { me } = useSession();
  const admin = Boolean(me?.can.admin);
  const queryClient = useQueryClient();
  const enrolments = useQuery({ queryKey: ['enrolments'], queryFn: () => trpc.enrolments.list.query(), refetchInterval: 10_000 });
  const sites = useQuery({ queryKey: ['sites'], queryFn: () => trpc.sites.list.query(), refetchInterval: 10_000 });
  const refresh = () => Promise.all([queryClient.invalidateQueries({ queryKey: ['enrolments'] }), queryClient.invalidateQueries({ queryKey: ['sites'] })]);
  const approve = useMutation({ mutationFn: (i: { siteId: string; campaignId: string; fingerprint: string }) => trpc.enrolments.approve.mutate(i), onSettled: refresh });
  const reject = useMutation({ mutationFn: (i: { siteId: string; campaignId: string }) => trpc.enrolments.reject.mutate(i), onSettled: refresh });

  return (
    <section aria-labelledby="sites-title">
      <h1 id="sites-title">Sites and enrolment</h1>
      <EnrolmentCode admin={admin} />

      <h2>Enrolment requests</h2>
      <p className="muted small">Compare each fingerprint with the one the site operator reads from `fedrad site enrol` before approving: approval is bound to it.</p>
      {approve.isError ? <ErrorBox error={approve.error} title="Approve" /> : null}
      {reject.isError ? <ErrorBox error={reject.error} title="Reject" /> : null}
      {enrolments.isPending ? <Loading what="enrolment requests" /> : enrolments.isError ? <ErrorBox error={enrolments.error} /> : enrolments.data.length === 0 ? (
        <Empty>No enrolment request.</Empty>
      ) : (
        <table data-testid="enrolments">
          <thead><tr><th scope="col">Site</th><th scope="col">Campaign</th><th scope="col">Status</th><th scope="col">Requested</th><th scope="col">Key fingerprint (SHA-256 of the public key)</th><th scope="col">Decision</th></tr></thead>
          <tbody>
            {enrolments.data.map((e) => (
              <tr key={`${e.siteId}/${e.campaignId}`}>
                <td>{e.siteId}</td>
                <td>{e.campaignId}</td>
                <td><StateBadge state={e.status} /></td>
                <td><When at={e.requestedAt} /></td>
                <td><code className="fingerprint">{e.keyFingerprint}</code></td>
                <td>
                  {e.status === 'pending' ? (
                    <>
                      <button type="button" disabled={!admin} title={admin ? undefined : READ_ONLY_TITLE} onClick={() => approve.mutate({ siteId: e.siteId, campaignId: e.campaignId, fingerprint: e.keyFingerprint })}>Approve</button>{' '}
                      <button type="button" className="secondary" disabled={!admin} title={admin ? undefined : READ_ONLY_TITLE} onClick={() => reject.mutate({ siteId: e.siteId, campaignId: e.campaignId })}>Reject</button>
                    </>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Enrolled sites</h2>
      {sites.isPending ? <Loading what="sites" /> : sites.isError ? <ErrorBox error={sites.error} /> : sites.data.length === 0 ? (
        <Empty>No site has connected yet.</Empty>
      ) : (
        <table data-testid="sites">
          <thead><tr><th scope="col">Site</th><th scope="col">Status</th><th scope="col">Software</th><th scope="col">Last heartbeat</th><th scope="col">Approved protocols</th><th scope="col">Certificates</th><th scope="col">Revoke</th></tr></thead>
          <tbody>
            {sites.data.map((s) => {
              const live = s.certificates.filter((c) => !c.revokedAt);
              return (
                <tr key={s.siteId}>
                  <td>{s.siteId}</td>
                  <td><StateBadge state={s.connected ? 'connected' : live.length === 0 && s.certificates.length > 0 ? 'revoked' : 'offline'} /></td>
                  <td>{s.softwareVersion ?? '—'}</td>
                  <td><When at={s.lastSeenAt} /></td>
                  <td>{s.approvedProtocols.length === 0 ? '—' : s.approvedProtocols.map((h: string) => <div key={h}><Hash value={h} /></div>)}</td>
                  <td>{s.certificates.map((c) => <div key={c.serial} className={c.revokedAt ? 'revoked' : ''}><code>{c.serial.slice(0, 12)}</code>{c.revokedAt ? <> revoked <When at={c.revokedAt} /></> : null}</div>)}</td>
                  <td><RevokeSite siteId={s.siteId} admin={admin} onDone={refresh} /></td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function EnrolmentCode({ admin }: { admin: boolean }) {
  const [siteId, setSiteId] = useState('');
  const [campaignId, setCampaignId] = useState('');
  const [hours, setHours] = useState(72);
  const create = useMutation({ mutationFn: (i: Inputs['enrolments']['createCode']) => trpc.enrolments.createCode.mutate(i) });
  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate({ siteId, campaignId, hours });
  }
  return (
    <form className="inline-form" onSubmit={submit} aria-labelledby="code-title">
      <h2 id="code-title">One-time enrolment code</h2>
      <div className="fields">
        <div><label htmlFor="code-site">Site id</label><input id="code-site" required pattern="[a-z0-9][a-z0-9\-]{1,62}" value={siteId} onChange={(e) => setSiteId(e.target.value)} /></div>
        <div><label htmlFor="code-campaign">CA campaign</label><input id="code-campaign" required value={campaignId} onChange={(e) => setCampaignId(e.target.value)} /></div>
        <div><label htmlFor="code-hours">Valid for (hours)</label><input id="code-hours" type="number" min={1} max={2160} value={hours} onChange={(e) => setHours(Number(e.target.value))} /></div>
        <button type="submit" disabled={!admin || create.isPending} title={admin ? undefined : READ_ONLY_TITLE}>Create code</button>
      </div>
      {create.isError ? <p className="error" role="alert">{apiError(create.error).message}</p> : null}
      {create.data ? (
        <p className="ok" role="status" data-testid="enrolment-code">
          Code for {create.data.siteId}: <code>{create.data.code}</code> (valid until <When at={create.data.expiresAt} />). Hand it to the site operator out of band; it is shown only now.
        </p>
      ) : null}
    </form>
  );
}

function RevokeSite({ siteId, admin, onDone }: { siteId: string; admin: boolean; onDone: () => unknown }) {
  const [reason, setReason] = useState<(typeof REASONS)[number]>('unspecified');
  const [confirming, setConfirming] = useState(false);
  const revoke = useMutation({ mutationFn: () => trpc.sites.revoke.mutate({ siteId, reason }), onSettled: () => (setConfirming(false), onDone()) });
  const id = `revoke-${siteId}`;
  return (
    <div className="revoke">
      <label htmlFor={id} className="visually-hidden">Revocation reason for {siteId}</label>
      <select id={id} value={reason} disabled={!admin} onChange={(e) => setReason(e.target.value as (typeof REASONS)[number])}>
        {REASONS.map((r) => <option key={r} value={r}>{r}</option>)}
      </select>{' '}
      {confirming ? (
        <>
          <button type="button" className="danger" onClick={() => revoke.mutate()} disabled={revoke.isPending}>Confirm revoke {siteId}</button>{' '}
          <button type="button" className="secondary" onClick={() => setConfirming(false)}>Keep</button>
        </>
      ) : (
        <button type="button" className="danger" disabled={!admin} title={admin ? undefined : READ_ONLY_TITLE} onClick={() => setConfirming(true)}>Revoke</button>
      )}
      {revoke.isError ? <div className="error-text" role="alert">{apiError(revoke.error).message}</div> : null}
      {revoke.data ? <div className="small" role="status">Revoked {revoke.data.revokedSerials.length} certificate(s)</div> : null}
    </div>
  );
}
