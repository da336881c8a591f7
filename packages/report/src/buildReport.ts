import type { MetaAnalysisSummary } from '@fedrad/protocol';
import { calibrationRows, calibrationSpec } from './charts/calibration.js';
import { decisionRows, decisionSpec } from './charts/decisionCurve.js';
import { distributionRows, distributionSpec } from './charts/distributions.js';
import { forestRows, forestSpec } from './charts/forest.js';
import { iccSpec } from './charts/icc.js';
import { kaplanMeierRows, kaplanMeierSpec } from './charts/kaplanMeier.js';
import { rocRows, rocSpec } from './charts/roc.js';
import { baselineTable } from './baselineTable.js';
import { esc, interval, page, table } from './html.js';
import { figureMaker, type NotDrawn } from './figure.js';
import type { ReportInput } from './reportInput.js';
import { tripodChecklist } from './tripod/tripodChecklist.js';

/** One section of the report: its anchor, heading, HTML, and the numbers behind it for the twin. */
interface Section {
  id: string;
  title: string;
  html: string;
  data: unknown;
}

/** The report and its JSON twin: every number drawn or tabled in the HTML is in `json`. */
export interface StudyReport {
  html: string;
  json: {
    type: 'study-report';
    title: string;
    campaignId?: string;
    generatedAt: string;
    softwareVersion: string;
    sections: Array<{ id: string; title: string; data: unknown }>;
    /** Plots that could not be drawn, and why (the report is written without them, never not at all). */
    notDrawn: NotDrawn[];
  };
}

function discriminationTable(input: ReportInput): string {
  return table(
    ['site', 'patients', 'events', 'AUC / C [95 % CI]', 'calibration-in-the-large', 'calibration slope', 'Brier', 'versus baseline'],
    input.siteReports.map((r) => [
      esc(r.siteId),
      String(r.patientCount),
      String(r.eventCount),
      esc(interval(r.discrimination?.auc ?? r.survival?.harrellC)),
      esc(interval(r.calibration?.calibrationInTheLarge)),
      esc(interval(r.calibration?.slope)),
      esc(interval(r.calibration?.brier)),
      r.baselineComparison ? esc(`Δ ${interval(r.baselineComparison.difference)}, p = ${r.baselineComparison.pValue.toPrecision(2)}`) : '—',
    ]),
  );
}

function metaTable(analyses: readonly MetaAnalysisSummary[]): string {
  return table(
    ['measure', 'method', 'sites', 'pooled [95 % CI]', '95 % prediction interval', 'τ²', 'I²', 'Q (p)'],
    analyses.map((m) => [
      esc(m.measure),
      esc(`${m.method}, ${m.scale} scale`),
      String(m.sites.length),
      esc(interval(m.pooled)),
      esc(`[${m.predictionInterval.lower?.toFixed(3)}, ${m.predictionInterval.upper?.toFixed(3)}]`),
      m.tau2.toPrecision(3),
      `${(m.i2 * 100).toFixed(1)} %`,
      esc(`${m.q.toFixed(2)} (${m.qPValue.toPrecision(2)})`),
    ]),
  );
}

/**
 * Builds the study report from a campaign's results: one self-contained HTML page (inline CSS and
 * SVG, no script, nothing fetched; printable) with the test sites' discrimination and calibration,
 * ROC curves per site and pooled, calibration and decision curves, the meta-analysis with a forest
 * plot per measure, Kaplan–Meier curves by risk group for survival outcomes, the ICC distribution
 * when given, the RQS and METRICS tables with the evidence of each point, and the model card; and
 * its JSON twin with the numbers of every section. A section without data is left out, never
 * drawn empty.
 */
export async function buildReport(input: ReportInput): Promise<StudyReport> {
  const sections: Section[] = [];
  const notDrawn: StudyReport['json']['notDrawn'] = [];
  const figure = figureMaker(notDrawn);
  const binary = input.siteReports.filter((r) => r.discrimination);
  const meta = input.pooled?.metaAnalyses ?? [];
  const pooledAuc = meta.find((m) => m.measure === 'auc')?.pooled.estimate;

  sections.push({ id: 'sites', title: 'Independent test sites', html: discriminationTable(input), data: input.siteReports });
  const baseline = baselineTable(input.siteReports);
  if (baseline) sections.push({ id: 'baseline', title: 'Added value over the clinical baseline', html: baseline, data: input.siteReports.map((r) => ({ siteId: r.siteId, baselineComparison: r.baselineComparison, baselineModels: r.baselineModels, missingCovariates: r.missingCovariates })) });
  if (binary.length) {
    const roc = rocRows(binary, pooledAuc);
    const cal = calibrationRows(binary);
    const dca = decisionRows(binary);
    const figures = [await figure(rocSpec(roc), 'ROC curves')];
    if (cal.length) figures.push(await figure(calibrationSpec(cal), 'Calibration curves'));
    if (dca.length) figures.push(await figure(decisionSpec(dca), 'Decision curves'));
    sections.push({ id: 'discrimination', title: 'Discrimination, calibration and clinical utility', html: figures.join('\n'), data: { roc, calibration: cal, decisionCurve: dca } });
  }
  const km = kaplanMeierRows(input.siteReports);
  if (km.length) sections.push({ id: 'survival', title: 'Survival: Kaplan–Meier curves by risk group', html: await figure(kaplanMeierSpec(km), 'Kaplan–Meier curves'), data: km });
  if (meta.length) {
    const forests = await Promise.all(meta.map((m) => figure(forestSpec(m, forestRows(m)), `Forest plot: ${m.measure}`)));
    const notes = (input.pooled?.notes ?? []).map((n) => `<p class="note">${esc(n)}</p>`).join('');
    sections.push({ id: 'meta-analysis', title: 'Meta-analysis across test sites', html: metaTable(meta) + forests.join('\n') + notes, data: meta });
  }
  if (input.distributions?.length) {
    const modelFeatures = input.modelCard?.campaign?.features.map((f) => f.name) ?? input.modelCard?.inputs.features.map((f) => f.name) ?? [];
    const d = distributionRows(input.distributions, modelFeatures);
    const harmonised = input.distributions.some((x) => x.stage === 'after');
    const note = `<p class="note">Each site's mean ± SD of ${d.drawn.length < d.total ? `the first ${d.drawn.length} of ${d.total} features (the model's first)` : `${d.total} feature(s)`}, ${harmonised ? 'before and after harmonisation' : 'as extracted (no harmonisation summaries)'}; from the sites' aggregate summaries (no patient value leaves a site). The twin holds every summary.</p>`;
    sections.push({ id: 'distributions', title: 'Feature distributions per site', html: note + (await figure(distributionSpec(d.rows, d.drawn), 'Feature distributions per site')), data: input.distributions });
  }
  if (input.icc?.length) sections.push({ id: 'icc', title: 'Feature reproducibility (ICC)', html: await figure(iccSpec(input.icc), 'ICC distribution'), data: input.icc });
  if (input.rqs) {
    const r = input.rqs;
    sections.push({
      id: 'rqs',
      title: `Radiomics Quality Score: ${r.total} / 36 (${r.percentage?.toFixed(1)} %)`,
      html:
        `<p>${r.derivedTotal} points derived from what the campaign recorded, ${r.declaredTotal} declared (Lambin et al. 2017, Table 1).</p>` +
        table(['item', 'name', 'points', 'range', 'source', 'evidence'], r.items.map((i) => [String(i.item), esc(i.name), String(i.points), `${i.minPoints ?? ''}…${i.maxPoints ?? ''}`, esc(i.source + (i.declaredBy ? `: ${i.declaredBy}, ${i.declaredAt}` : '')), esc(i.evidence)])),
      data: r,
    });
  }
  if (input.metrics) {
    const m = input.metrics;
    sections.push({
      id: 'metrics',
      title: `METRICS: ${m.score.toFixed(1)} % (${m.category})`,
      html:
        table(['condition', 'answer', 'evidence'], m.conditions.map((c) => [esc(`${c.condition}. ${c.question}`), c.answer ? 'yes' : 'no', esc(c.evidence)])) +
        table(['item', 'category', 'name', 'weight', 'answer', 'source', 'evidence'], m.items.map((i) => [String(i.item), esc(i.category), esc(i.name), i.weight.toFixed(4), esc(i.answer), esc(i.source), esc(i.evidence)])),
      data: m,
    });
  }
  if (input.siteReports.length || input.modelCard) {
    const t = tripodChecklist(input);
    sections.push({
      id: 'tripod',
      title: `TRIPOD+AI items for external validation: ${t.counts.provided} provided, ${t.counts.partly} in part, ${t.counts.authors} for the authors`,
      html: `<p class="note">${esc(t.source)}. "provided": the campaign's record answers the item; "partly": it answers part, the authors add the rest; "authors": no software can know it.</p>` + table(['item', 'topic', 'item text (abridged)', 'campaign', 'what the campaign recorded'], t.items.map((i) => [esc(i.item), esc(`${i.section}: ${i.topic}`), esc(i.text), esc(i.provision), esc(i.evidence)])),
      data: t,
    });
  }
  if (input.modelCard) {
    const c = input.modelCard;
    const rows: Array<[string, string]> = [
      ['model SHA-256', c.modelSha256],
      ['family', c.family],
      ['outcome', `${c.outcome.kind} (${c.outcome.score})`],
      ['features', (c.campaign?.features ?? c.inputs.features).map((f) => ('ibsiCode' in f && f.ibsiCode ? `${f.name} (IBSI ${f.ibsiCode})` : f.name)).join(', ')],
      ['training', `${c.training.n} patients, ${c.training.optimizer}, ${c.training.iterations} iterations, converged ${c.training.converged}`],
      ...(c.campaign
        ? ([
            ['campaign', `${c.campaign.campaignId} (protocol ${c.campaign.protocolHash})`],
            ['strategy', `${c.campaign.strategy}, ${c.campaign.roundsRun} rounds`],
            ['sites', c.campaign.sites.map((s) => `${s.siteId} (${s.role}${s.patientCount !== undefined ? `, ${s.patientCount} patients` : ''})`).join(', ')],
            ...(c.campaign.harmonisation ? ([['harmonisation', c.campaign.harmonisation]] as Array<[string, string]>) : []),
            ...(c.campaign.selection ? ([['selection', c.campaign.selection]] as Array<[string, string]>) : []),
            ...(c.campaign.tuning ? ([['tuning', c.campaign.tuning]] as Array<[string, string]>) : []),
            ...(c.campaign.classWeights ? ([['class weights', c.campaign.classWeights]] as Array<[string, string]>) : []),
            ['intended use', c.campaign.intendedUse],
            ['limitations', c.campaign.limitations.join(' ')],
            ['software', `${c.campaign.software.name} ${c.campaign.software.version}`],
          ] as Array<[string, string]>)
        : []),
    ];
    sections.push({ id: 'model-card', title: 'Model card', html: table(['', ''], rows.map(([k, v]) => [esc(k), esc(v)])), data: c });
  }
  const notes = [...(input.notes ?? []), ...notDrawn.map((n) => `Not drawn: ${n.plot} (${n.reason})`)];
  const header = `<h1>${esc(input.title)}</h1><p class="note">${input.campaignId ? `Campaign ${esc(input.campaignId)}. ` : ''}Generated ${esc(input.generatedAt)} by fedrad ${esc(input.softwareVersion)}.</p>${notes.map((n) => `<p class="note">${esc(n)}</p>`).join('')}`;
  const toc = `<nav><ol>${sections.map((s) => `<li><a href="#${s.id}">${esc(s.title)}</a></li>`).join('')}</ol></nav>`;
  const body = header + toc + sections.map((s) => `<section id="${s.id}"><h2>${esc(s.title)}</h2>${s.html}</section>`).join('\n');
  return {
    html: page(input.title, body),
    json: {
      type: 'study-report',
      title: input.title,
      ...(input.campaignId ? { campaignId: input.campaignId } : {}),
      generatedAt: input.generatedAt,
      softwareVersion: input.softwareVersion,
      sections: sections.map(({ id, title, data }) => ({ id, title, data })),
      notDrawn,
    },
  };
}
