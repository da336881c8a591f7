import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiError, trpc } from '../api';
import { attestationRows, checkDraft, claimLabel, EVIDENCE_MAX, openClaims, type AttestationDraft } from '../logic/attestations';
import { useSession } from '../session';
import { Empty, ErrorBox, Loading, READ_ONLY_TITLE, When } from '../components/ui';

const EMPTY: AttestationDraft = { claim: '', answer: '', evidence: '' };

/**
 * The RQS and METRICS items no software can know, stated by an operator (campaigns.attest): the
 * attestations so far with who and when, and a form for the claims still open. The coordinator
 * re-scores the report on each one, so the checklists above are fetched again. An auditor sees
 * the list and a disabled form.
 */
export function Attestations({ campaignId }: { campaignId: string }) {
  const { me } = useSession();
  const allowed = Boolean(me?.can.campaign);
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<AttestationDraft>(EMPTY);
  const [tried, setTried] = useState(false);
  const list = useQuery({ queryKey: ['campaign-attestations', campaignId], queryFn: () => trpc.campaigns.attestations.query({ campaignId }) });
  const attest = useMutation({
    mutationFn: (input: { claim: string; value: boolean; evidence?: string }) => trpc.campaigns.attest.mutate({ campaignId, ...input }),
    onSuccess: () => {
      setDraft(EMPTY);
      setTried(false);
      void queryClient.invalidateQueries({ queryKey: ['campaign-attestations', campaignId] });
      void queryClient.invalidateQueries({ queryKey: ['campaign-report', campaignId] });
    },
  });
  if (list.isPending) return <Loading what="attestations" />;
  if (list.isError) return <ErrorBox error={list.error} title="Attestations" />;
  const { claims, attestations } = list.data;
  const rows = attestationRows(claims, attestations);
  const open = openClaims(claims, attestations);
  const check = checkDraft(draft, open);
  const errors = tried && !check.ok ? check.errors : {};
  const set = (patch: Partial<AttestationDraft>) => setDraft((d) => ({ ...d, ...patch }));
  return (
    <div data-testid="attestations">
      {rows.length === 0 ? <Empty>No attestation yet: the declared items count 0 until someone states them.</Empty> : (
        <table data-testid="attestation-list">
          <thead><tr><th scope="col">Claim</th><th scope="col">Answer</th><th scope="col">By</th><th scope="col">Where</th><th scope="col">When</th><th scope="col">Evidence</th></tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.claim}>
                <td>{r.label} <code className="small muted">{r.claim}</code></td><td>{r.answer}</td><td>{r.by}</td><td>{r.where}</td><td><When at={r.at} /></td><td>{r.evidence}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open.length === 0 ? <p className="muted">Every attestable claim is attested.</p> : (
        <form
          className="inline-form"
          aria-label="Attest a claim"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            setTried(true);
            if (check.ok) attest.mutate(check.input);
          }}
        >
          <h3>Attest a claim</h3>
          {allowed ? null : <p className="muted">Read-only: {READ_ONLY_TITLE.toLowerCase()}.</p>}
          <fieldset disabled={!allowed || attest.isPending} title={allowed ? undefined : READ_ONLY_TITLE} className="fields plain">
            <div>
              <label htmlFor="attest-claim">Claim</label>
              <select id="attest-claim" value={draft.claim} onChange={(e) => set({ claim: e.target.value })} aria-invalid={Boolean(errors.claim)} aria-describedby={errors.claim ? 'attest-claim-error' : undefined}>
                <option value="">— choose —</option>
                {(['RQS', 'METRICS'] as const).map((tool) => (
                  <optgroup key={tool} label={tool}>
                    {open.filter((c) => c.tool === tool).map((c) => <option key={c.claim} value={c.claim}>{claimLabel(c)}</option>)}
                  </optgroup>
                ))}
              </select>
              {errors.claim ? <div id="attest-claim-error" className="error-text small">{errors.claim}</div> : null}
            </div>
            <div role="radiogroup" aria-labelledby="attest-answer-label" aria-describedby={errors.answer ? 'attest-answer-error' : undefined}>
              <span id="attest-answer-label" className="label">Did the study do it?</span>
              <label className="inline"><input type="radio" name="attest-answer" value="yes" checked={draft.answer === 'yes'} onChange={() => set({ answer: 'yes' })} /> yes</label>
              <label className="inline"><input type="radio" name="attest-answer" value="no" checked={draft.answer === 'no'} onChange={() => set({ answer: 'no' })} /> no</label>
              {errors.answer ? <div id="attest-answer-error" className="error-text small">{errors.answer}</div> : null}
            </div>
            <div className="grow">
              <label htmlFor="attest-evidence">Evidence (where a reader can check it)</label>
              <textarea id="attest-evidence" rows={2} maxLength={EVIDENCE_MAX + 100} value={draft.evidence} onChange={(e) => set({ evidence: e.target.value })} aria-invalid={Boolean(errors.evidence)} aria-describedby={errors.evidence ? 'attest-evidence-error' : undefined} />
              {errors.evidence ? <div id="attest-evidence-error" className="error-text small">{errors.evidence}</div> : null}
            </div>
            <button type="submit">Attest</button>
          </fieldset>
          {attest.isError ? <div className="error-text" role="alert">{apiError(attest.error).message}</div> : null}
          {attest.isSuccess ? <div className="small ok" role="status">Recorded; the report was scored again.</div> : null}
        </form>
      )}
    </div>
  );
}
