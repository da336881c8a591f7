import { queryOptions } from '@tanstack/react-query';
import { trpc } from './api';

/**
 * One campaign's status (campaigns.status): the campaign and results pages share it, and its cache
 * entry. Fresh for 5 s (a prefetched answer is not asked again on mount); every campaign event
 * invalidates it at once anyway.
 */
export const campaignStatusQuery = (campaignId: string) =>
  queryOptions({ queryKey: ['campaign', campaignId], queryFn: () => trpc.campaigns.status.query({ campaignId }), refetchInterval: 15_000, staleTime: 5_000 });
