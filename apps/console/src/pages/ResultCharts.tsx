// Loaded on demand from the Results page (its own chunk: Vega is not in the initial bundle).
import { useEffect, useRef, useState } from 'react';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import { expressionInterpreter } from 'vega-interpreter';
import type { EvaluationReport, MetaAnalysisSummary } from '@fedrad/protocol';
import { calibrationRows, calibrationSpec, decisionRows, decisionSpec, forestRows, forestSpec, kaplanMeierRows, kaplanMeierSpec, rocRows, rocSpec, type VegaLiteSpec } from '@fedrad/report/charts';

/**
 * The study report's plots (packages/report's Vega-Lite specifications, the same documents the
 * HTML report renders to SVG in Node), drawn here by Vega in the browser. Vega parses expressions
 * to an AST and evaluates them with its interpreter (`ast: true`, vega-interpreter): nothing is
 * compiled with `new Function`, so the console's CSP needs no 'unsafe-eval'.
 */
export default function ResultCharts({ reports, meta }: { reports: EvaluationReport[]; meta: MetaAnalysisSummary[] }) {
  const binary = reports.filter((r) => r.discrimination);
  const pooledAuc = meta.find((m) => m.measure === 'auc')?.pooled.estimate;
  const figures: Array<{ title: string; spec: VegaLiteSpec }> = [];
  if (binary.length > 0) {
    figures.push({ title: 'ROC curves', spec: rocSpec(rocRows(binary, pooledAuc)) });
    const calibration = calibrationRows(binary);
    if (calibration.length > 0) figures.push({ title: 'Calibration curves', spec: calibrationSpec(calibration) });
    const decision = decisionRows(binary);
    if (decision.length > 0) figures.push({ title: 'Decision curves', spec: decisionSpec(decision) });
  }
  const km = kaplanMeierRows(reports);
  if (km.length > 0) figures.push({ title: 'Kaplan–Meier curves', spec: kaplanMeierSpec(km) });
  for (const m of meta) figures.push({ title: `Forest plot: ${m.measure}`, spec: forestSpec(m, forestRows(m)) });
  if (figures.length === 0) return <p className="empty">No plot yet: they come with the test sites' evaluation reports.</p>;
  return (
    <div className="charts" data-testid="charts">
      {figures.map((f) => <Chart key={f.title} title={f.title} spec={f.spec} />)}
    </div>
  );
}

function Chart({ title, spec }: { title: string; spec: VegaLiteSpec }) {
  const el = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!el.current) return;
    const runtime = vega.parse(compile(spec).spec, undefined, { ast: true });
    // Inline data only: a loader that refuses every URL, so a chart can never fetch anything.
    const loader = vega.loader();
    loader.load = (uri: string) => Promise.reject(new Error(`charts load nothing (${uri})`));
    const view = new vega.View(runtime, { expr: expressionInterpreter, renderer: 'svg', container: el.current, hover: true, loader });
    view.runAsync().catch((e: Error) => setError(e.message));
    return () => {
      view.finalize();
    };
  }, [spec]);
  return (
    <figure className="chart">
      <div ref={el} role="img" aria-label={title} />
      {error ? <figcaption className="error-text">{title}: {error}</figcaption> : null}
    </figure>
  );
}
