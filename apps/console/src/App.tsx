import { lazy, Suspense, useEffect } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { campaignQuery, connectedSitesQuery } from './queries';
import { href, useRoute, type Route } from './router';
import { useSession } from './session';
import { Loading } from './components/ui';
import { SignIn } from './pages/SignIn';
import { Campaigns } from './pages/Campaigns';
import { CampaignDetail } from './pages/CampaignDetail';
import { Results } from './pages/Results';
import { Sites } from './pages/Sites';
import { Audit } from './pages/Audit';
import { Operators } from './pages/Operators';

// The editor and its build-time schema validator (~250 kB of the bundle) load when it is opened:
// every other page, the campaign page first, parses that much less JavaScript on load.
const ProtocolEditor = lazy(() => import('./pages/ProtocolEditor').then((m) => ({ default: m.ProtocolEditor })));

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'new-campaign':
      return (
        <Suspense fallback={<Loading what="the protocol editor" />}>
          <ProtocolEditor />
        </Suspense>
      );
    case 'campaign':
      return <CampaignDetail key={route.campaignId} campaignId={route.campaignId} />;
    case 'results':
      return <Results key={route.campaignId} campaignId={route.campaignId} />;
    case 'sites':
      return <Sites />;
    case 'audit':
      return <Audit />;
    case 'operators':
      return <Operators />;
    default:
      return <Campaigns />;
  }
}

export function App() {
  const session = useSession();
  const route = useRoute();
  const queryClient = useQueryClient();
  // A campaign opened by its address: its status and the connected sites are fetched alongside auth.me, not after it (a 401 is dropped with the session check).
  const prefetchId = session.loading && (route.page === 'campaign' || route.page === 'results') ? route.campaignId : undefined;
  useEffect(() => {
    if (!prefetchId) return;
    void queryClient.prefetchQuery(campaignQuery(prefetchId));
    void queryClient.prefetchQuery(connectedSitesQuery());
  }, [prefetchId, queryClient]);
  if (session.loading) return <Loading what="the session" />;
  if (!session.me) return <SignIn />;
  const current = route.page === 'sites' || route.page === 'audit' || route.page === 'operators' ? route.page : 'campaigns';
  return (
    <>
      <header className="top">
        <a className="brand" href={href.campaigns}>FedRad</a>
        <nav aria-label="Main">
          <a href={href.campaigns} aria-current={current === 'campaigns' ? 'page' : undefined}>Campaigns</a>
          <a href={href.sites} aria-current={current === 'sites' ? 'page' : undefined}>Sites</a>
          <a href={href.audit} aria-current={current === 'audit' ? 'page' : undefined}>Audit log</a>
          <a href={href.operators} aria-current={current === 'operators' ? 'page' : undefined}>Operators</a>
        </nav>
        <div className="who">
          <span data-testid="operator">{session.me.username}</span> <span className={`badge role-${session.me.role}`}>{session.me.role}</span>
          {session.me.role === 'auditor' ? <span className="small muted"> read-only</span> : null}
          <button type="button" className="secondary" onClick={() => void session.signOut()}>Sign out</button>
        </div>
      </header>
      <main id="main">
        <Page route={route} />
      </main>
    </>
  );
}
