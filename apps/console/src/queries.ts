import { queryOptions } from '@tanstack/react-query';
import { trpc } from './api';

/**
 * One campaign's status, each site's jobs counted rather than listed (campaigns.overview: at 100
 * sites × 50 rounds the job list alone was ~0.8 MB per fetch): the campaign and results pages share it, and its cache
 * entry. Fresh for 5 s (a prefetched answer is not asked again on mount); every campaign event
 * invalidates it at once anyway.
 */
export const campaignQuery = (campaignId: string) =>
  queryOptions({ queryKey: ['campaign', campaignId], queryFn: () => trpc.campaigns.overview.query({ campaignId }), refetchInterval: 15_000, staleTime: 5_000 });

/** The sites connected now: the campaign page's "connected" column. */
export const connectedSitesQuery = () => queryOptions({ queryKey: ['sites.connected'], queryFn: () => trpc.sites.connected.query(), refetchInterval: 15_000, staleTime: 5_000 });
