import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiError, trpc } from '../api';
import { READ_ONLY_TITLE } from '../components/ui';

/** The states a campaign never leaves: no cancel is offered there (the coordinator refuses it too). */
export const FINAL_STATES: readonly string[] = ['completed', 'failed', 'cancelled'];

/**
 * Cancel, in two steps: the button opens a reason field (the coordinator audits it), and only
 * "Confirm cancel" sends campaigns.cancel. Disabled, with the reason why, for a role that may not.
 */
export function CancelCampaign({ campaignId, allowed }: { campaignId: string; allowed: boolean }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState('');
  const cancel = useMutation({
    mutationFn: () => trpc.campaigns.cancel.mutate({ campaignId, reason: reason.trim() }),
    onSuccess: () => {
      setConfirming(false);
      void queryClient.invalidateQueries({ queryKey: ['campaign', campaignId] });
      void queryClient.invalidateQueries({ queryKey: ['campaigns'] });
    },
  });
  if (!confirming) {
    return (
      <button type="button" className="danger" disabled={!allowed} title={allowed ? undefined : READ_ONLY_TITLE} onClick={() => setConfirming(true)}>
        Cancel campaign…
      </button>
    );
  }
  return (
    <form
      className="confirm"
      aria-label="Cancel the campaign"
      onSubmit={(e) => {
        e.preventDefault();
        if (reason.trim()) cancel.mutate();
      }}
    >
      <label htmlFor="cancel-reason">Why cancel {campaignId}? (audited; its open jobs close and nothing more is sent to the sites)</label>
      <input id="cancel-reason" value={reason} maxLength={500} required autoFocus onChange={(e) => setReason(e.target.value)} />{' '}
      <button type="submit" className="danger" disabled={!reason.trim() || cancel.isPending}>Confirm cancel</button>{' '}
      <button type="button" className="secondary" onClick={() => setConfirming(false)}>Keep running</button>
      {cancel.isError ? <div className="error-text" role="alert">{apiError(cancel.error).message}</div> : null}
    </form>
  );
}
