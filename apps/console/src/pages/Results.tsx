import { lazy, Suspense } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { EvaluationReport, MetaAnalysisSummary } from '@fedrad/protocol';
import { evaluationColumns, evaluationRows, formatInterval, metaAnalysisRows } from '../logic/results';
import { campaignQuery } from '../queries';
import { href } from '../router';
import { Empty, ErrorBox, Loading, Signature } from '../components/ui';
import { ModelDownload } from './ModelDownload';
import { Attestations } from './Attestations';
import { StudyReport } from './StudyReport';

// Vega and the chart specifications load with the first Results page, not with the console.
const ResultCharts = lazy(() => import('./ResultCharts'));

/** Per-site evaluation at the independent test sites, the pooled meta-analysis, the signed model card. */
export function Results({ campaignId }: { campaignId: string }) {
  const status = useQuery(campaignQuery(campaignId));
  if (status.isPending) return <Loading what="results" />;
  if (status.isError) return <ErrorBox error={status.error} title={`Campaign ${campaignId}`} />;
  const s = status.data;
  const columns = evaluationColumns(s);
  const rows = evaluationRows(s);
  const meta = metaAnalysisRows(s);
  const card = s.modelRelease?.card;
  return (
    <section aria-labelledby="results-title">
      <div className="title-row">
        <h1 id="results-title">Results: {s.title}</h1>
        <a href={href.campaign(campaignId)}>Back to the campaign</a>
      </div>
      <h2>Evaluation at the test sites</h2>
      {rows.length === 0 ? <Empty>No evaluation yet: the test sites evaluate the locked model after training.</Empty> : (
        <table data-testid="evaluations">
          <thead><tr><th scope="col">Site</th><th scope="col">Patients</th><th scope="col">Events</th>{columns.map((c) => <th scope="col" key={c}>{c} (95% CI)</th>)}</tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.siteId}><td>{r.siteId}</td><td>{r.patients ?? '—'}</td><td>{r.events ?? '—'}</td>{columns.map((c) => <td key={c}>{r.values[c]}</td>)}</tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Meta-analysis</h2>
      {!s.metaAnalysis ? <Empty>Not run yet.</Empty> : meta.length === 0 ? (
        <Empty>Nothing pooled. {s.metaAnalysis.notes.join(' ')}</Empty>
      ) : (
        <>
          <table data-testid="meta-analysis">
            <thead><tr><th scope="col">Measure</th><th scope="col">Pooled (95% CI)</th><th scope="col">Prediction interval</th><th scope="col">τ²</th><th scope="col">I²</th><th scope="col">Method</th><th scope="col">Sites</th></tr></thead>
            <tbody>
              {meta.map((m) => (
                <tr key={m.measure}>
                  <td>{m.measure}</td>
                  <td>{formatInterval(m.pooled)}</td>
                  <td>{formatInterval(m.predictionInterval)}</td>
                  <td>{m.tau2?.toPrecision(3) ?? '—'}</td>
                  <td>{m.i2 !== undefined ? `${(m.i2 * 100).toFixed(0)} %` : '—'}</td>
                  <td>{m.method} ({m.scale})</td>
                  <td>{m.sites?.map((x) => `${x.label} ${formatInterval(x.estimate)}`).join('; ') ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {s.metaAnalysis.notes.length ? <p className="muted">{s.metaAnalysis.notes.join(' ')}</p> : null}
        </>
      )}
      <h2>Plots</h2>
      {rows.length === 0 ? <Empty>No plot yet.</Empty> : (
        <Suspense fallback={<Loading what="the plots" />}>
          <ResultCharts reports={s.evaluations.map((e) => e.report as EvaluationReport)} meta={meta as MetaAnalysisSummary[]} />
        </Suspense>
      )}
      <h2>Study report: RQS and METRICS</h2>
      <StudyReport campaignId={campaignId} />
      <h2>Attestations: what no software can know</h2>
      <Attestations campaignId={campaignId} />
      <h2>Model card</h2>
      {!card ? <Empty>No signed model card yet: it comes with the locked model.</Empty> : (
        <div data-testid="model-card">
          <dl className="facts">
            <dt>Name</dt><dd>{card.name}</dd>
            <dt>Family</dt><dd>{card.family}</dd>
            <dt>Model SHA-256</dt><dd><code className="hash-full">{card.modelSha256}</code></dd>
            <dt>Trained on</dt><dd>{card.training.n} patients, {card.training.events} events; {card.training.optimizer}, {card.training.iterations} iterations{card.training.converged ? '' : ' (not converged)'}</dd>
            <dt>Signature</dt><dd>{s.modelRelease ? <Signature signature={s.modelRelease.signature.signature} /> : <span className="muted">unsigned</span>}</dd>
            <dt>Model</dt><dd><ModelDownload campaignId={campaignId} available={Boolean(s.model?.onnxSha256)} /></dd>
          </dl>
          {card.coefficients ? (
            <table>
              <caption>Coefficients (original feature scale)</caption>
              <thead><tr><th scope="col">Input</th><th scope="col">β</th></tr></thead>
              <tbody>
                {card.coefficients.intercept !== undefined ? <tr><td>(intercept)</td><td>{card.coefficients.intercept.toPrecision(5)}</td></tr> : null}
                {Object.entries(card.coefficients.beta).map(([k, v]) => <tr key={k}><td>{k}</td><td>{Number(v).toPrecision(5)}</td></tr>)}
              </tbody>
            </table>
          ) : null}
        </div>
      )}
    </section>
  );
}
