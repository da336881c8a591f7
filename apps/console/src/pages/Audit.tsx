import { useMemo, useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { trpc } from '../api';
import { auditQueryInput, EMPTY_FILTER, filterProblems, withinTime, type AuditFilterForm } from '../logic/auditFilter';
import { Empty, ErrorBox, Hash, Loading, When } from '../components/ui';

/** The hash-chained audit log: filtered by event, site and campaign on the server, by time here; the chain verified on demand. */
export function Audit() {
  const [form, setForm] = useState<AuditFilterForm>(EMPTY_FILTER);
  const [applied, setApplied] = useState<AuditFilterForm>(EMPTY_FILTER);
  const problems = filterProblems(form);
  const rows = useQuery({ queryKey: ['audit', auditQueryInput(applied)], queryFn: () => trpc.audit.list.query(auditQueryInput(applied)) });
  const verify = useQuery({ queryKey: ['audit.verify'], queryFn: () => trpc.audit.verify.query(), enabled: false });
  const shown = useMemo(() => (rows.data ? withinTime(rows.data, applied) : []), [rows.data, applied]);
  const set = (k: keyof AuditFilterForm) => (e: { target: { value: string } }) => setForm({ ...form, [k]: k === 'limit' ? Number(e.target.value) : e.target.value });
  function submit(e: FormEvent) {
    e.preventDefault();
    if (problems.length === 0) setApplied(form);
  }

  return (
    <section aria-labelledby="audit-title">
      <div className="title-row">
        <h1 id="audit-title">Audit log</h1>
        <button type="button" onClick={() => void verify.refetch()} disabled={verify.isFetching}>Verify the chain</button>
      </div>
      <div aria-live="polite" data-testid="verify-result">
        {verify.isFetching ? <Loading what="the chain" /> : verify.isError ? <ErrorBox error={verify.error} /> : verify.data ? (
          verify.data.ok ? (
            <p className="ok">Chain intact: {verify.data.rows} rows from the genesis hash to head <Hash value={verify.data.headHash} /></p>
          ) : (
            <p className="error" role="alert">Chain broken at row {verify.data.seq} of {verify.data.rows}: {verify.data.reason}</p>
          )
        ) : null}
      </div>
      <form className="inline-form" onSubmit={submit} aria-label="Filter the audit log">
        <div className="fields">
          <div><label htmlFor="f-event">Event</label><input id="f-event" list="audit-events" value={form.event} onChange={set('event')} placeholder="e.g. site.revoked" /></div>
          <div><label htmlFor="f-site">Site</label><input id="f-site" value={form.siteId} onChange={set('siteId')} /></div>
          <div><label htmlFor="f-campaign">Campaign</label><input id="f-campaign" value={form.campaignId} onChange={set('campaignId')} /></div>
          <div><label htmlFor="f-from">From</label><input id="f-from" type="datetime-local" value={form.from} onChange={set('from')} /></div>
          <div><label htmlFor="f-to">To</label><input id="f-to" type="datetime-local" value={form.to} onChange={set('to')} /></div>
          <div><label htmlFor="f-limit">Rows</label><input id="f-limit" type="number" min={1} max={10000} value={form.limit} onChange={set('limit')} /></div>
          <button type="submit" disabled={problems.length > 0}>Filter</button>
          <button type="button" className="secondary" onClick={() => (setForm(EMPTY_FILTER), setApplied(EMPTY_FILTER))}>Clear</button>
        </div>
        {problems.length > 0 ? <ul className="error" role="alert">{problems.map((p) => <li key={p}>{p}</li>)}</ul> : null}
        <datalist id="audit-events">{[...new Set(rows.data?.map((r) => r.event) ?? [])].sort().map((e) => <option key={e} value={e} />)}</datalist>
      </form>
      {rows.isPending ? <Loading what="the audit log" /> : rows.isError ? <ErrorBox error={rows.error} /> : shown.length === 0 ? (
        <Empty>No audit row matches.</Empty>
      ) : (
        <table data-testid="audit-rows" className="audit">
          <thead><tr><th scope="col">#</th><th scope="col">When</th><th scope="col">Event</th><th scope="col">Actor</th><th scope="col">Campaign</th><th scope="col">Site</th><th scope="col">Details</th></tr></thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.seq}>
                <td>{r.seq}</td>
                <td><When at={r.at} /></td>
                <td>{r.event}</td>
                <td>{r.actor}</td>
                <td>{r.campaignId ?? '—'}</td>
                <td>{r.siteId ?? '—'}</td>
                <td><code className="details">{JSON.stringify(r.details)}</code></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="muted small">{rows.data ? `${shown.length} of the ${rows.data.length} rows the coordinator sent (newest ${applied.limit} at most).` : null}</p>
    </section>
  );
}
