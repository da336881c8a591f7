import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLocalTwin, trainingMethod } from '@fedrad/methods';
import { validate, type CampaignProtocol } from '@fedrad/protocol';
import { runTrain, type TrainOptions } from '../src/commands/train.js';

// The three-site survival fixture and R's fits on the pooled rows, written by
// scripts/fixtures/methods/cox-sites.R (coxph with and without strata(site)).
interface Fit {
  coef: number[];
}
const fixture = JSON.parse(readFileSync(new URL('../../../packages/methods/test/fixtures/cox-sites.json', import.meta.url), 'utf8')) as {
  sites: Record<string, { x: number[][]; time: number[]; event: number[] }>;
  stratifiedEfron: Fit;
  stratifiedBreslow: Fit;
  pooledBreslow: Fit;
  coarsened: { minEvents: number; edges: number[]; loneEventGrid: number[]; breslow: Fit; efron: Fit };
};
const featureNames = ['f1', 'f2', 'f3', 'f4'];

function writeTables() {
  const dir = mkdtempSync(join(tmpdir(), 'fedrad-train-cox-sites-'));
  const cases = Object.entries(fixture.sites).flatMap(([site, d]) => d.x.map((x, i) => ({ id: `${site}-${i + 1}`, site, x, time: d.time[i], event: d.event[i] })));
  writeFileSync(join(dir, 'features.csv'), ['id,' + featureNames.join(','), ...cases.map((c) => [c.id, ...c.x.map(String)].join(','))].join('\n') + '\n');
  writeFileSync(join(dir, 'outcome.csv'), ['id,time,event', ...cases.map((c) => `${c.id},${c.time},${c.event}`)].join('\n') + '\n');
  writeFileSync(join(dir, 'sites.csv'), ['id,site', ...cases.map((c) => `${c.id},${c.site}`)].join('\n') + '\n');
  const file = (f: string) => join(dir, f);
  const options = (o: Partial<TrainOptions> = {}): TrainOptions => ({ features: file('features.csv'), outcome: file('outcome.csv'), model: 'cox', out: file('model.onnx'), ...o });
  return { file, options };
}

const betaOf = (card: { coefficients: { beta: Record<string, number> } }) => featureNames.map((f) => card.coefficients.beta[f]);
const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, j) => Math.abs(v - b[j])));

describe('fedrad train --model cox --sites (the local twin of a federated Cox campaign)', () => {
  it('--stratify-by-site --ties efron equals coxph(... + strata(site), ties = "efron"); the card and provenance say how it was fitted', async () => {
    const t = writeTables();
    const r = await runTrain(t.options({ sites: t.file('sites.csv'), stratifyBySite: true, ties: 'efron' }));
    const card = JSON.parse(readFileSync(r.cardPath, 'utf8'));
    expect(validate('model-card', card).valid).toBe(true);
    expect(card.training).toMatchObject({ n: 300, optimizer: 'federated', converged: true, sites: ['site-a', 'site-b', 'site-c'] });
    expect(maxDiff(betaOf(card), fixture.stratifiedEfron.coef)).toBeLessThan(1e-6);
    expect(card.survival).toEqual({ variant: 'stratified', ties: 'efron', strata: ['site-a', 'site-b', 'site-c'], horizonsDays: [], baselineSurvival: [] });
    const provenance = JSON.parse(readFileSync(t.file('model.onnx.provenance.json'), 'utf8'));
    expect(provenance.details.federation).toEqual({ variant: 'stratified', ties: 'efron', strata: 'site' });
  });

  it('pooled with exact times (--min-events-per-time-bin 1) equals coxph on the pooled rows, as the centralised fit without --sites does', async () => {
    const t = writeTables();
    const federated = await runTrain(t.options({ sites: t.file('sites.csv'), minEventsPerTimeBin: 1 }));
    const card = JSON.parse(readFileSync(federated.cardPath, 'utf8'));
    expect(maxDiff(betaOf(card), fixture.pooledBreslow.coef)).toBeLessThan(1e-6);
    expect(federated.federation).toMatchObject({ variant: 'pooled', ties: 'breslow', strata: 'none', minEventsPerTimeBin: 1 });
    const centralised = await runTrain(t.options({ out: t.file('central.onnx') }));
    expect(centralised.training.optimizer).not.toBe('federated');
    const central = JSON.parse(readFileSync(centralised.cardPath, 'utf8'));
    expect(maxDiff(betaOf(central), fixture.pooledBreslow.coef)).toBeLessThan(1e-5);
  });

  it('pooled by default bins the times at the minimum cohort (5) and records the bins', async () => {
    const t = writeTables();
    const r = await runTrain(t.options({ sites: t.file('sites.csv') }));
    expect(r.federation!.minEventsPerTimeBin).toBe(5);
    expect(r.federation!.timeEdges!.length).toBeGreaterThan(1);
    expect(r.training.converged).toBe(true);
  });

  it("--time-grid (a pooled campaign's model.timeGridDays) equals coxph on the times coarsened to those bins, and the campaign's training method in the same bins to 1e-9", async () => {
    const t = writeTables();
    const c = fixture.coarsened;
    const r = await runTrain(t.options({ sites: t.file('sites.csv'), timeGrid: c.edges, minEventsPerTimeBin: c.minEvents, ties: 'efron' }));
    const card = JSON.parse(readFileSync(r.cardPath, 'utf8'));
    expect(validate('model-card', card).valid).toBe(true);
    expect(maxDiff(betaOf(card), c.efron.coef)).toBeLessThan(1e-7);
    expect(card.survival).toMatchObject({ variant: 'pooled', ties: 'efron', strata: [], timeBins: c.edges });
    expect(r.federation).toEqual({ variant: 'pooled', ties: 'efron', strata: 'none', minEventsPerTimeBin: c.minEvents, timeEdges: c.edges });
    // The campaign's path: the training method of a protocol with model.strata "none" and these bins, over the same sites.
    const protocol: CampaignProtocol = {
      type: 'campaign-protocol', campaignId: 'twin', title: 'twin', version: 1, outcome: { type: 'survival', time: 'time', event: 'event' }, features: featureNames,
      model: { family: 'cox', ties: 'efron', strata: 'none', timeGridDays: c.edges }, trainingSites: Object.keys(fixture.sites), testSites: [], minCohortSize: c.minEvents,
      training: { strategy: 'exact-newton', rounds: 50 },
    };
    const partitions = new Map(Object.entries(fixture.sites).map(([s, d]) => [s, { featureNames, x: Float64Array.from(d.x.flat()), label: new Float64Array(0), time: Float64Array.from(d.time), event: Float64Array.from(d.event) }]));
    const campaign = (await runLocalTwin(trainingMethod(protocol), partitions)).state.parameters.find((p) => p.name === 'coef')!.data;
    expect(maxDiff(betaOf(card), campaign)).toBeLessThan(1e-9);
  });

  it('--time-grid: refused unordered or beside --stratify-by-site; a bin holding one event of a site is refused by that site', async () => {
    const t = writeTables();
    await expect(runTrain(t.options({ sites: t.file('sites.csv'), timeGrid: [1, 8, 4] }))).rejects.toMatchObject({ code: 'CLI_USAGE', message: expect.stringContaining('4 follows 8') });
    await expect(runTrain(t.options({ sites: t.file('sites.csv'), timeGrid: [1, 8], stratifyBySite: true }))).rejects.toMatchObject({ code: 'CLI_USAGE', message: expect.stringContaining('sends no times') });
    await expect(runTrain(t.options({ timeGrid: [1, 8] }))).rejects.toMatchObject({ code: 'CLI_USAGE', message: expect.stringContaining('--time-grid sets how a Cox model is trained federated') });
    // The fixture's grid with a bin of its own at an event time only one of site-a's patients has.
    await expect(runTrain(t.options({ sites: t.file('sites.csv'), timeGrid: fixture.coarsened.loneEventGrid, minEventsPerTimeBin: 3 }))).rejects.toMatchObject({ code: 'EGRESS_REFUSED' });
  });

  it('refuses the Cox federation flags without --sites or with a contradiction, instead of ignoring them', async () => {
    const t = writeTables();
    await expect(runTrain(t.options({ stratifyBySite: true }))).rejects.toMatchObject({ code: 'CLI_USAGE', message: expect.stringContaining('--stratify-by-site sets how a Cox model is trained federated') });
    await expect(runTrain(t.options({ sites: t.file('sites.csv'), stratifyBySite: true, minEventsPerTimeBin: 3 }))).rejects.toMatchObject({ code: 'CLI_USAGE', message: expect.stringContaining('sends no times') });
    await expect(runTrain(t.options({ sites: t.file('sites.csv'), strategy: 'fedavg' }))).rejects.toMatchObject({ code: 'CLI_USAGE', message: expect.stringContaining('--strategy fedavg is not implemented') });
  });
});
