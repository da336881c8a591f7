import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { combatBatchAdjustment, combatCovariateFit, combatEstimate, runCombatTwin, type CombatRows, type CombatSiteMoments } from '@fedrad/harmonize';
import { harmonizeBasisHash, type CampaignProtocol, type HarmonizeResult, type JobEnvelope } from '@fedrad/protocol';
import { runJob } from '../src/jobs/runJob.js';
import { checkEgress } from '../src/egressGuard.js';
import { rowsForJob } from '../src/harmonizations.js';
import { protocolDeviations } from '../src/protocolConformance.js';
import { envelope, generateCohorts, readCsv, repoRoot } from './helpers.js';

// ComBat with clinical covariates at real sites (issue #12 item 2): each site reads age and smoker
// from the clinical table its cohort declares, sends its moments (with the covariates' centred
// cross-products), then its residual sums for the training sites' β, then keeps its own batch's
// estimate. Reference: runCombatTwin (what `fedrad harmonize --sites --covariates` runs) over the
// same partitions read here from the CSV text. Training sites site-a and site-b; site-c the test site.
const SITES = ['site-a', 'site-b', 'site-c'];
const COVARIATES = ['age', 'smoker'];
const age = (i: number) => 40 + ((i * 7) % 31);
const smoker = (i: number) => (i * 5) % 3 === 0 ? 1 : 0;
let dir: string;
let features: string[];
const cohorts: Record<string, { name: string; features: string; outcome: string; clinical: { table: string; columns: string[] } }> = {};
const csv: Record<string, { ids: string[]; x: number[][] }> = {};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'harmonize-cov-'));
  const summary = generateCohorts(dir, 'site-a=37,site-b=41,site-c=30', 4);
  features = summary.features;
  for (const site of summary.sites) {
    const f = readCsv(site.featuresCsv);
    csv[site.siteId] = { ids: f.rows.map((r) => r[0]), x: f.rows.map((r) => r.slice(1).map(Number)) };
    const table = join(dir, `${site.siteId}-clinical.csv`);
    // The clinical table also holds a column the protocol does not name (hiv).
    writeFileSync(table, ['id,age,smoker,hiv', ...csv[site.siteId].ids.map((id, i) => `${id},${age(i) + (site.siteId === 'site-b' ? 5 : 0)},${smoker(i)},0`)].join('\n') + '\n');
    cohorts[site.siteId] = { name: 'training', features: site.featuresCsv, outcome: site.outcomeCsv, clinical: { table, columns: ['age', 'smoker', 'hiv'] } };
    mkdirSync(join(dir, 'work', site.siteId), { recursive: true });
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const jobAt = (siteId: string, params: Record<string, unknown>, cohort = cohorts[siteId]) => ({
  envelope: { ...envelope('harmonize', params), jobId: `test/harmonize/${siteId}`, siteId },
  siteId,
  cohort,
  minCohortSize: 5,
  workDir: join(dir, 'work', siteId),
});
const run = (siteId: string, params: Record<string, unknown>, cohort = cohorts[siteId]) => runJob(jobAt(siteId, params, cohort)) as unknown as Promise<HarmonizeResult>;
const asMoments = (r: HarmonizeResult): CombatSiteMoments => ({
  patientCount: r.patientCount, featureNames: features, covariateNames: COVARIATES, featureMean: r.featureMean!,
  covariateMean: r.covariateMean!, covariateScatter: r.covariateScatter!, crossScatter: r.crossScatter!,
});
/** A site's rows with its covariates, from the CSV text. */
const partition = (siteId: string): CombatRows => ({
  ids: csv[siteId].ids, featureNames: features, values: Float64Array.from(csv[siteId].x.flat()),
  covariateNames: COVARIATES, covariates: Float64Array.from(csv[siteId].ids.flatMap((_, i) => [age(i) + (siteId === 'site-b' ? 5 : 0), smoker(i)])),
});
const HASH = 'c4'.repeat(32);

describe('the harmonize job with ComBat covariates', () => {
  const moments = new Map<string, HarmonizeResult>();
  const residuals = new Map<string, HarmonizeResult>();
  let beta: number[];
  beforeAll(async () => {
    for (const s of SITES) moments.set(s, await run(s, { kind: 'harmonize', stage: 'moments', method: 'combat', features, covariates: COVARIATES }));
    beta = combatCovariateFit(new Map(['site-a', 'site-b'].map((s) => [s, asMoments(moments.get(s)!)]))).beta;
    for (const s of SITES) {
      residuals.set(s, await run(s, { kind: 'harmonize', stage: 'residuals', method: 'combat', features, covariates: COVARIATES, beta, basisHash: harmonizeBasisHash(moments.get(s)!) }));
    }
  });

  it('the training sites keep the rows the local twin harmonises with the covariates; the test site is its own batch with their β', async () => {
    const training = ['site-a', 'site-b'];
    const fit = { featureNames: features, covariateNames: COVARIATES, beta };
    const adjustments = combatEstimate(new Map(training.map((s) => [s, asMoments(moments.get(s)!)])), new Map(training.map((s) => [s, { patientCount: residuals.get(s)!.patientCount, residualSumSq: residuals.get(s)!.sumSq! }])), fit);
    const { gammaStar: _g, deltaStar: _d, reference: _r, ...standardisation } = adjustments.get('site-a')!;
    const c = combatBatchAdjustment(standardisation, asMoments(moments.get('site-c')!), { patientCount: residuals.get('site-c')!.patientCount, residualSumSq: residuals.get('site-c')!.sumSq! });
    adjustments.set('site-c', c);
    for (const s of SITES) {
      const a = adjustments.get(s)!;
      const apply = {
        kind: 'harmonize', stage: 'apply', method: 'combat', features, covariates: COVARIATES, batch: s, basisHash: harmonizeBasisHash(residuals.get(s)!), harmonizationHash: HASH,
        combat: { grandMean: a.grandMean, varPooled: a.varPooled, gammaStar: a.gammaStar, deltaStar: a.deltaStar, reference: a.reference, beta: a.beta },
      };
      await run(s, apply);
    }
    const twin = runCombatTwin(new Map(training.map((s) => [s, partition(s)])), {}, 5);
    for (const s of SITES) {
      const input = { workDir: join(dir, 'work', s), siteId: s, cohort: cohorts[s], envelope: { campaignId: envelope('harmonize', {}).campaignId } };
      const kept = rowsForJob(input, HASH, { ids: csv[s].ids, featureNames: features, values: Float64Array.from(csv[s].x.flat()) });
      if (s === 'site-c') {
        // Its own batch against the training standardisation: y* = √v·(s − γ*)/√δ* + grand + cᵀβ, by hand.
        const p = features.length;
        const rows = partition(s);
        kept.forEach((v, k) => {
          const [i, f] = [Math.floor(k / p), k % p];
          const mean = c.grandMean[f] + COVARIATES.reduce((acc, _, q) => acc + rows.covariates![i * 2 + q] * beta[q * p + f], 0);
          const z = (rows.values[k] - mean) / Math.sqrt(c.varPooled[f]);
          expect(v).toBeCloseTo(((z - c.gammaStar[f]) / Math.sqrt(c.deltaStar[f])) * Math.sqrt(c.varPooled[f]) + mean, 9);
        });
      } else {
        const expected = twin.harmonised.get(s)!;
        kept.forEach((v, k) => expect(Math.abs(v - expected[k])).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected[k]))));
      }
    }
  });

  it('sends aggregates only: a fixed number of sums whatever the cohort size, passing the egress guard, none a patient\'s value', () => {
    const { round: _round, ...frame } = JSON.parse(readFileSync(join(repoRoot, 'protocols/examples/job-result/valid-1.json'), 'utf8'));
    const p = features.length;
    for (const s of SITES) {
      for (const result of [moments.get(s)!, residuals.get(s)!]) {
        const verdict = checkEgress('job-result', { ...frame, siteId: s, kind: 'harmonize', result }, { localPatientCounts: [csv[s].ids.length], patientIds: new Set(csv[s].ids), minCohortSize: 5 });
        expect(verdict).toEqual({ allowed: true, schema: 'job-result' });
      }
      const m = moments.get(s)!;
      expect([m.featureMean!.length, m.sumSq!.length, m.covariateMean!.length, m.covariateScatter!.length, m.crossScatter!.length]).toEqual([p, p, 2, 4, 2 * p]);
      expect(Object.keys(residuals.get(s)!).sort()).toEqual(['kind', 'patientCount', 'stage', 'sumSq']);
      const values = new Set([...csv[s].x.flat(), ...partition(s).covariates!]);
      const sent = [...m.featureMean!, ...m.sumSq!, ...m.covariateScatter!, ...m.crossScatter!, ...residuals.get(s)!.sumSq!];
      expect(sent.filter((v) => values.has(v))).toEqual([]);
    }
  });

  describe('attacks and gaps', () => {
    const protocol = (): CampaignProtocol => {
      const example = JSON.parse(readFileSync(join(repoRoot, 'protocols/examples/campaign-protocol/valid-1.json'), 'utf8')) as CampaignProtocol;
      return { ...example, features, analysisPlan: { ...example.analysisPlan, harmonization: 'combat', harmonizationOptions: { covariates: COVARIATES } } };
    };
    const harmonizeJob = (params: Record<string, unknown>) => ({ ...envelope('harmonize', { kind: 'harmonize', stage: 'moments', method: 'combat', features, ...params }), campaignId: protocol().campaignId }) as JobEnvelope;

    it('a harmonize job asking for a covariate the approved protocol does not name is refused (the site checks its own copy)', () => {
      expect(protocolDeviations(harmonizeJob({ covariates: COVARIATES }), protocol(), 'training')).toEqual([]);
      // Nor other features: a column the protocol does not name, or one listed twice (the egress guard counts per-feature answers by this list).
      expect(protocolDeviations(harmonizeJob({ covariates: COVARIATES, features: [...features, 'mrn'] }), protocol(), 'training')).toEqual(['the features "mrn" are not among the protocol\'s features']);
      expect(protocolDeviations(harmonizeJob({ covariates: COVARIATES, features: [...features, features[0]] }), protocol(), 'training')).toEqual(['the job lists a feature twice']);
      expect(protocolDeviations(harmonizeJob({ covariates: ['age', 'hiv'] }), protocol(), 'training')).toEqual([
        'the ComBat covariates asked for (age, hiv) are not the protocol\'s (age, smoker): "hiv" not in the approved protocol',
      ]);
      expect(protocolDeviations(harmonizeJob({}), protocol(), 'test')).toEqual([expect.stringContaining('(none) are not the protocol\'s (age, smoker)')]);
      const plain = { ...protocol(), analysisPlan: { harmonization: 'combat' as const } };
      expect(protocolDeviations(harmonizeJob({ covariates: ['smoker'] }), plain, 'training')).toEqual([expect.stringContaining('"smoker" not in the approved protocol')]);
    });

    it('a covariate the site\'s clinical table does not offer is refused by name', async () => {
      await expect(run('site-a', { kind: 'harmonize', stage: 'moments', method: 'combat', features, covariates: ['age', 'bmi'] })).rejects.toThrow(/covariate "bmi" is not among the clinical columns this site offers \(age, smoker, hiv\)/);
    });

    it('a cohort where patients lack a covariate is refused, counting them: nobody is left unharmonised', async () => {
      const table = join(dir, 'gaps.csv');
      // Patient 2 lacks age, patient 5 has no row.
      writeFileSync(table, ['id,age,smoker', ...csv['site-a'].ids.flatMap((id, i) => (i === 5 ? [] : [`${id},${i === 2 ? '' : age(i)},${smoker(i)}`]))].join('\n') + '\n');
      const cohort = { ...cohorts['site-a'], clinical: { table, columns: ['age', 'smoker'] } };
      await expect(run('site-a', { kind: 'harmonize', stage: 'moments', method: 'combat', features, covariates: COVARIATES }, cohort)).rejects.toMatchObject({
        code: 'HARMONIZATION_REFUSED',
        message: expect.stringContaining('2 of 37 patients lack one'),
      });
    });

    it('residual sums for a β resting on other moments, or with a β of the wrong size, are refused', async () => {
      const params = { kind: 'harmonize', stage: 'residuals', method: 'combat', features, covariates: COVARIATES, beta, basisHash: harmonizeBasisHash(moments.get('site-b')!) };
      await expect(run('site-a', params)).rejects.toMatchObject({ code: 'HARMONIZATION_REFUSED' });
      await expect(run('site-a', { ...params, basisHash: harmonizeBasisHash(moments.get('site-a')!), beta: beta.slice(1) })).rejects.toThrow(/β must hold 2 × 4 finite values/);
    });
  });
});
