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
    default:
      return <Campaigns />;
  }
}

export function App() {
  const session = useSession();
  const route = useRoute();
  if (session.loading) return <Loading what="the session" />;
  if (!session.me) return <SignIn />;
  const current = route.page === 'sites' ? 'sites' : route.page === 'audit' ? 'audit' : 'campaigns';
  return (
    <>
      <header className="top">
        <a className="brand" href={href.campaigns}>FedRad</a>
        <nav aria-label="Main">
          <a href={href.campaigns} aria-current={current === 'campaigns' ? 'page' : undefined}>Campaigns</a>
          <a href={href.sites} aria-current={current === 'sites' ? 'page' : undefined}>Sites</a>
          <a href={href.audit} aria-current={current === 'audit' ? 'page' : undefined}>Audit log</a>
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
