import { memo, useEffect, useMemo, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiError, trpc } from '../api';
import { siteProgress, type CampaignOverview, type SiteProgress } from '../logic/siteProgress';
import { campaignQuery, connectedSitesQuery } from '../queries';
import { href } from '../router';
import { useSession } from '../session';
import { Empty, ErrorBox, Hash, Loading, READ_ONLY_TITLE, Signature, StateBadge, When } from '../components/ui';
import { CancelCampaign, FINAL_STATES } from './CancelCampaign';
import { ModelDownload } from './ModelDownload';

/**
 * One campaign, live: the status query is refetched on every event of the campaigns.events
 * WebSocket subscription (round opened/closed, result accepted/refused, job failed, state), and
 * every 15 s in case the socket dropped.
 */
export function CampaignDetail({ campaignId }: { campaignId: string }) {
  const { me } = useSession();
  const queryClient = useQueryClient();
  const [live, setLive] = useState<'connecting' | 'live' | 'offline'>('connecting');
  const status = useQuery(campaignQuery(campaignId));
  const connected = useQuery(connectedSitesQuery());
  useEffect(() => {
    const sub = trpc.campaigns.events.subscribe(
      { campaignId },
      {
        onStarted: () => setLive('live'),
        onData: () => {
          setLive('live');
          void queryClient.invalidateQueries({ queryKey: ['campaign', campaignId] });
          void queryClient.invalidateQueries({ queryKey: ['sites.connected'] });
        },
        onError: () => setLive('offline'),
      },
    );
    return () => sub.unsubscribe();
  }, [campaignId, queryClient]);
  const start = useMutation({
    mutationFn: () => trpc.campaigns.start.mutate({ campaignId }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['campaign', campaignId] }),
  });

  // Derived once per answer, not on every render (the live badge, the cancel form).
  const sites = useMemo(() => (status.data ? siteProgress(status.data, connected.data?.connectedSites ?? []) : []), [status.data, connected.data]);

  if (status.isPending) return <Loading what={`campaign ${campaignId}`} />;
  if (status.isError) return <ErrorBox error={status.error} title={`Campaign ${campaignId}`} />;
  const s = status.data;
  const private_ = s.rounds.some((r) => r.privacy !== undefined);
  return (
    <section aria-labelledby="campaign-title">
      <div className="title-row">
        <h1 id="campaign-title">{s.title}</h1>
        <span className={`live live-${live}`} role="status">{live === 'live' ? '● live' : live === 'connecting' ? '○ connecting' : '○ offline (polling)'}</span>
      </div>
      <dl className="facts">
        <dt>Campaign</dt><dd>{s.campaignId}</dd>
        <dt>State</dt><dd><StateBadge state={s.state} />{s.phase ? <> in <strong>{s.phase}</strong></> : null}</dd>
        <dt>Protocol hash</dt><dd><code className="hash-full">{s.protocolHash}</code></dd>
        <dt>Round</dt><dd>{s.currentRound ?? '—'}</dd>
      </dl>
      {s.failure ? <div className="error" role="alert"><code>{s.failure.code}</code> {s.failure.message}</div> : null}
      <div className="actions">
        {s.state === 'locked' ? (
          <button type="button" disabled={!me?.can.campaign || start.isPending} title={me?.can.campaign ? undefined : READ_ONLY_TITLE} onClick={() => start.mutate()}>
            Start campaign
          </button>
        ) : null}
        {FINAL_STATES.includes(s.state) ? null : <CancelCampaign campaignId={campaignId} allowed={Boolean(me?.can.campaign)} />}
        <a href={href.results(campaignId)}>Results</a>
      </div>
      {start.isError ? <p className="error" role="alert">{apiError(start.error).message}</p> : null}

      <h2>Plan</h2>
      <ol className="timeline" data-testid="plan">
        {s.plan.map((step) => (
          <li key={step.phase} className={`step step-${step.state}`}>
            <span className="step-name">{step.phase}</span> <StateBadge state={step.state} /> {step.outputHash ? <>output <Hash value={step.outputHash} /></> : null}
          </li>
        ))}
      </ol>

      <h2>Sites</h2>
      {sites.length === 0 ? <Empty>No site in this protocol.</Empty> : (
        <table data-testid="campaign-sites">
          <thead><tr><th scope="col">Site</th><th scope="col">Role</th><th scope="col">Connected</th><th scope="col">Progress</th><th scope="col">Jobs done</th><th scope="col">Rounds in</th><th scope="col">Last seen</th></tr></thead>
          <tbody>
            {sites.map((p) => <SiteRow key={p.siteId} p={p} rounds={s.rounds.length} />)}
          </tbody>
        </table>
      )}

      <h2>Rounds</h2>
      {/* Central DP (training.differentialPrivacy): the ε spent once each round closed. */}
      {s.rounds.length === 0 ? <Empty>No round yet.</Empty> : (
        <table data-testid="rounds">
          <thead><tr><th scope="col">Round</th><th scope="col">State</th><th scope="col">Sites</th><th scope="col">Samples</th><th scope="col">Loss</th>{private_ && <th scope="col">ε spent</th>}<th scope="col">Parameters</th><th scope="col">Closed</th></tr></thead>
          <tbody>
            {s.rounds.map((r) => <RoundRow key={r.round} r={r} private_={private_} />)}
          </tbody>
        </table>
      )}

      <h2>Locked model</h2>
      {!s.model ? <Empty>Not locked yet: the lock step seals the trained model by its hash.</Empty> : (
        <dl className="facts" data-testid="locked-model">
          <dt>Model hash</dt><dd><code className="hash-full">{s.model.modelHash}</code></dd>
          <dt>ONNX SHA-256</dt><dd>{s.model.onnxSha256 ? <code className="hash-full">{s.model.onnxSha256}</code> : <span className="muted">no ONNX export</span>}</dd>
          <dt>Locked</dt><dd><When at={s.model.lockedAt} /></dd>
          <dt>Signature</dt><dd>{s.modelRelease ? <Signature signature={s.modelRelease.signature.signature} /> : <span className="muted">unsigned</span>}</dd>
          <dt>Download</dt><dd><ModelDownload campaignId={campaignId} available={Boolean(s.model.onnxSha256)} /></dd>
        </dl>
      )}
    </section>
  );
}

// Rows are memoised: a refetch that changes one site or one round redraws that row only (the
// rows' props are the same objects until their values change: siteProgress is memoised above,
// and TanStack Query keeps unchanged parts of an answer referentially equal).
const SiteRow = memo(function SiteRow({ p, rounds }: { p: SiteProgress; rounds: number }) {
  return (
    <tr>
      <td>{p.siteId}</td>
      <td>{p.role}</td>
      <td>{p.connected ? 'yes' : 'no'}</td>
      <td><StateBadge state={p.state} />{p.failure ? <div className="small error-text">{p.failure}</div> : null}</td>
      <td>{p.jobsDone} / {p.jobsTotal}</td>
      <td>{p.role === 'training' ? `${p.roundsIn} / ${rounds}` : '—'}</td>
      <td><When at={p.lastSeenAt} /></td>
    </tr>
  );
});

const RoundRow = memo(function RoundRow({ r, private_ }: { r: CampaignOverview['rounds'][number]; private_: boolean }) {
  return (
    <tr>
      <td>{r.round}</td>
      <td><StateBadge state={r.state} /></td>
      <td>{r.sites?.length ?? '—'}</td>
      <td>{r.sampleCount ?? '—'}</td>
      <td>{typeof r.loss === 'number' ? r.loss.toPrecision(6) : '—'}</td>
      {private_ && <td>{r.privacy ? `${r.privacy.epsilon.toPrecision(4)} (δ ${r.privacy.delta})` : '—'}</td>}
      <td><Hash value={r.parametersHash} /></td>
      <td><When at={r.closedAt} /></td>
    </tr>
  );
});
