import { useQuery } from '@tanstack/react-query';
import { trpc } from '../api';
import { href } from '../router';
import { useSession } from '../session';
import { Empty, ErrorBox, Hash, Loading, READ_ONLY_TITLE, StateBadge } from '../components/ui';

export function Campaigns() {
  const { me } = useSession();
  const list = useQuery({ queryKey: ['campaigns'], queryFn: () => trpc.campaigns.list.query(), refetchInterval: 5000 });
  return (
    <section aria-labelledby="campaigns-title">
      <div className="title-row">
        <h1 id="campaigns-title">Campaigns</h1>
        {me?.can.campaign ? (
          <a className="button" href={href.newCampaign}>New campaign</a>
        ) : (
          <button type="button" disabled title={READ_ONLY_TITLE}>New campaign</button>
        )}
      </div>
      {list.isPending ? <Loading what="campaigns" /> : list.isError ? <ErrorBox error={list.error} /> : list.data.length === 0 ? (
        <Empty>No campaign yet. A study lead creates one from a protocol.</Empty>
      ) : (
        <table>
          <thead>
            <tr><th scope="col">Campaign</th><th scope="col">Title</th><th scope="col">State</th><th scope="col">Round</th><th scope="col">Protocol hash</th></tr>
          </thead>
          <tbody>
            {list.data.map((c) => (
              <tr key={c.campaignId}>
                <td><a href={href.campaign(c.campaignId)}>{c.campaignId}</a></td>
                <td>{c.title}</td>
                <td><StateBadge state={c.state} /></td>
                <td>{c.currentRound ?? '—'}</td>
                <td><Hash value={c.protocolHash} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
