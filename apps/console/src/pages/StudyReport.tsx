import { useQuery } from '@tanstack/react-query';
import type { MetricsScore, RqsChecklist } from '@fedrad/protocol';
import { trpc } from '../api';
import { metricsRows, metricsWeights, rqsRows, rqsSummary, RQS_MAX, type ChecklistRow } from '../logic/checklists';
import { Empty, ErrorBox, Loading, When } from '../components/ui';

/** The report page the coordinator serves (apiServer's reportRoute). */
export const reportHref = (campaignId: string): string => `/campaigns/${encodeURIComponent(campaignId)}/report.html`;

/** The campaign's study report (campaigns.report): its RQS and METRICS checklists with their evidence, and the HTML page. */
export function StudyReport({ campaignId }: { campaignId: string }) {
  // Rendered by the coordinator on first request, then cached there; a running campaign answers null.
  const report = useQuery({ queryKey: ['campaign-report', campaignId], queryFn: () => trpc.campaigns.report.query({ campaignId }), staleTime: 30_000 });
  if (report.isPending) return <Loading what="the study report" />;
  if (report.isError) return <ErrorBox error={report.error} title="Study report" />;
  const r = report.data;
  if (!r) return <Empty>No study report yet: the report step runs after the meta-analysis, when the campaign completes.</Empty>;
  function download() {
    const url = URL.createObjectURL(new Blob([r!.html], { type: 'text/html;charset=utf-8' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${campaignId}-report.html`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
  return (
    <div data-testid="study-report">
      <p>
        <button type="button" onClick={download}>Download report (HTML)</button>{' '}
        {/* The coordinator serves the page with its own CSP (the console's would keep its stylesheet out); the session cookie goes along. */}
        <a className="button secondary" href={reportHref(campaignId)} target="_blank" rel="noopener">Open report</a>{' '}
        <span className="muted">rendered <When at={r.renderedAt} /></span>
      </p>
      {r.rqs ? <RqsTable rqs={r.rqs as RqsChecklist} /> : <Empty>No RQS checklist in this report.</Empty>}
      {r.metrics ? <MetricsTable metrics={r.metrics as MetricsScore} /> : <Empty>No METRICS score in this report.</Empty>}
    </div>
  );
}

function RqsTable({ rqs }: { rqs: RqsChecklist }) {
  const s = rqsSummary(rqs);
  return (
    <>
      <h3>Radiomics Quality Score</h3>
      <p data-testid="rqs-total">
        RQS <strong>{s.total}</strong> of {RQS_MAX} ({s.percentage} %): derived {s.derivedTotal}, declared {s.declaredTotal}
      </p>
      <Rows rows={rqsRows(rqs)} scoreHeader="Points (range)" testId="rqs" />
    </>
  );
}

function MetricsTable({ metrics }: { metrics: MetricsScore }) {
  const w = metricsWeights(metrics);
  return (
    <>
      <h3>METRICS</h3>
      <p data-testid="metrics-score">
        METRICS <strong>{metrics.score} %</strong> ({metrics.category}): weight {w.yes.toFixed(4)} answered yes of {w.applicable.toFixed(4)} applicable
      </p>
      <ul className="muted">
        {metrics.conditions.map((c) => <li key={c.condition}>Condition {c.condition}: {c.question} — {c.answer ? 'yes' : 'no'} ({c.source}; {c.evidence})</li>)}
      </ul>
      <Rows rows={metricsRows(metrics)} scoreHeader="Answer (weight)" testId="metrics" />
    </>
  );
}

function Rows({ rows, scoreHeader, testId }: { rows: ChecklistRow[]; scoreHeader: string; testId: string }) {
  return (
    <table data-testid={testId}>
      <thead><tr><th scope="col">#</th><th scope="col">Item</th><th scope="col">{scoreHeader}</th><th scope="col">Source</th><th scope="col">Evidence</th></tr></thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.item}>
            <td>{r.item}</td><td>{r.name}</td><td>{r.score}</td><td>{r.source}</td>
            <td>{r.evidence}{r.declared ? <span className="muted"> — declared by {r.declared}</span> : null}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
