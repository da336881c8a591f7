import { useEffect } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { campaignStatusQuery } from './queries';
import { href, useRoute, type Route } from './router';
import { useSession } from './session';
import { Loading } from './components/ui';
import { SignIn } from './pages/SignIn';
import { Campaigns } from './pages/Campaigns';
import { ProtocolEditor } from './pages/ProtocolEditor';
import { CampaignDetail } from './pages/CampaignDetail';
import { Results } from './pages/Results';
import { Sites } from './pages/Sites';
import { Audit } from './pages/Audit';
import { Operators } from './pages/Operators';

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'new-campaign':
      return <ProtocolEditor />;
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
  // A campaign opened by its address: its status is fetched alongside auth.me, not after it (a 401 is dropped with the session check).
  const prefetchId = session.loading && (route.page === 'campaign' || route.page === 'results') ? route.campaignId : undefined;
  useEffect(() => {
    if (prefetchId) void queryClient.prefetchQuery(campaignStatusQuery(prefetchId));
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
