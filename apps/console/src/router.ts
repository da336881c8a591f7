import { useEffect, useState } from 'react';

/** The console's pages, addressed by the URL's hash (no server routes beyond index.html). */
export type Route =
  | { page: 'campaigns' }
  | { page: 'new-campaign' }
  | { page: 'campaign'; campaignId: string }
  | { page: 'results'; campaignId: string }
  | { page: 'sites' }
  | { page: 'audit' }
  | { page: 'operators' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'campaigns' && parts[1] === 'new') return { page: 'new-campaign' };
  if (parts[0] === 'campaigns' && parts[1] && parts[2] === 'results') return { page: 'results', campaignId: parts[1] };
  if (parts[0] === 'campaigns' && parts[1]) return { page: 'campaign', campaignId: parts[1] };
  if (parts[0] === 'sites') return { page: 'sites' };
  if (parts[0] === 'audit') return { page: 'audit' };
  if (parts[0] === 'operators') return { page: 'operators' };
  return { page: 'campaigns' };
}

export const href = {
  campaigns: '#/campaigns',
  newCampaign: '#/campaigns/new',
  campaign: (id: string) => `#/campaigns/${encodeURIComponent(id)}`,
  results: (id: string) => `#/campaigns/${encodeURIComponent(id)}/results`,
  sites: '#/sites',
  audit: '#/audit',
  operators: '#/operators',
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
