import { describe, expect, it } from '@jest/globals';
import { canonicalHash, type EvaluationReport, type ExtractResult } from '@fedrad/protocol';
import { scoreRqs } from '@fedrad/rqs';
import type { CampaignRecord } from '../src/core/campaignStore.js';
import type { CampaignRecords } from '../src/core/report/campaignRecords.js';
import { campaignProvenance } from '../src/core/report/campaignProvenance.js';
import { coordinatorSourceSha256 } from '../src/core/report/sourceHash.js';
import { studyReportInput } from '../src/core/report/studyReportInput.js';
import { protocolFor } from './fakeSites.js';

// The provenance the RQS is scored from, built from what the coordinator stored: each item's
// point earned by one record and lost by another (Lambin et al. 2017, Table 1).
const featureConfig = { families: ['morphology', 'intensity_statistics'] } as NonNullable<CampaignRecord['protocol']['featureConfig']>;
const campaign = (over: Partial<CampaignRecord['protocol']> = {}): CampaignRecord => {
  const protocol = { ...protocolFor({ campaignId: 'prov', testSites: ['site-t1'] }), featureConfig, features: ['morph_volume', 'stat_mean'], ...over };
  return { campaignId: 'prov', protocol, protocolHash: canonicalHash(protocol), state: 'completed', phase: 'report', currentRound: null, createdAt: '2026-12-06T12:00:00.000Z', updatedAt: '2026-12-06T12:00:00.000Z' };
};
const extract = (n: number, acquisition?: ExtractResult['acquisition']): ExtractResult => ({
  kind: 'extract',
  patientCount: n,
  failedCases: 1,
  missingOutcome: 2,
  featureCount: 120,
  summaries: [{ name: 'morph_volume', n, mean: 100, sd: 10 }],
  ...(acquisition ? { acquisition } : {}),
});
const mr = { modality: [{ value: 'MR', count: 30 }], manufacturer: [{ value: 'Siemens', count: 30 }], sliceThickness: [{ value: '5', count: 12 }, { value: '3', count: 18 }] };
const records = (over: Partial<CampaignRecords> = {}): CampaignRecords => ({
  campaign: campaign(),
  evaluations: [],
  extractions: ['site-a', 'site-b', 'site-c', 'site-t1'].map((siteId) => ({ siteId, result: extract(30, mr) })),
  trainingCounts: new Map([['site-a', 28]]),
  attestations: [],
  ...over,
});
const item = (r: CampaignRecords, n: number) => scoreRqs(campaignProvenance(r, '1.0.0')).items.find((i) => i.item === n)!;

describe('the campaign provenance from the store', () => {
  it('item 1 (image protocol): earned when every site summarised its acquisition and all ran the pinned config; lost when one did not', () => {
    const p = campaignProvenance(records(), '1.0.0');
    expect(p.sites[0]).toEqual({ siteId: 'site-a', role: 'training', institution: 'site-a', patientCount: 30, acquisition: { modality: 'MR', manufacturers: ['Siemens'], sliceThicknessMm: [3, 5] } });
    expect(p.extraction).toEqual({ featureConfigSha256: canonicalHash(featureConfig), featureCount: 120, ibsiCompliant: true });
    expect(item(records(), 1).points).toBe(1);
    const oneMissing = records({ extractions: [...records().extractions.slice(0, 3), { siteId: 'site-t1', result: extract(30) }] });
    expect(item(oneMissing, 1)).toMatchObject({ points: 0, evidence: expect.stringContaining('no acquisition summary from site-t1') });
  });

  it('item 5 (feature reduction): +3 when the model keeps fewer features than were extracted, −3 when it keeps them all', () => {
    expect(item(records(), 5)).toMatchObject({ points: 3, evidence: 'the model keeps 2 of 120 extracted features (elasticnet-logistic)' });
    const all = records({ campaign: campaign({ featureConfig: undefined }), extractions: [] });
    expect(item(all, 5).points).toBe(-3);
  });

  it('item 12 (validation): one point band per number of distinct test sites, each its own institution', () => {
    const withTests = (testSites: string[]) => records({ campaign: campaign({ testSites }) });
    expect([[], ['site-t1'], ['site-t1', 'site-t2'], ['site-t1', 'site-t2', 'site-t3']].map((t) => item(withTests(t), 12).points)).toEqual([-5, 3, 4, 5]);
  });

  it('items 8–10, 13, 14 read each test site\'s evaluation report; a threshold chosen by the operator loses item 8', () => {
    const report = { type: 'evaluation-report', reportVersion: 1, outcome: 'binary', siteId: 'site-t1', level: 0.95, patientCount: 40, eventCount: 12, thresholdMetrics: { thresholdSource: 'operator' } } as unknown as EvaluationReport;
    const r = records({ evaluations: [report] });
    expect([8, 9, 10, 13, 14].map((n) => item(r, n).points)).toEqual([0, 0, 0, 0, 0]);
    const p = campaignProvenance(r, '1.0.0');
    // The test site's count is its evaluation's; a training site's is its extraction QC's, else its signed sampleCount.
    expect(p.sites.find((s) => s.siteId === 'site-t1')).toMatchObject({ patientCount: 40, eventCount: 12 });
    expect(campaignProvenance(records({ extractions: [] }), '1.0.0').sites[0].patientCount).toBe(28);
  });

  it("the report input carries the extraction QC for TRIPOD+AI and, without a harmonisation step, the sites' summaries before only", () => {
    const input = studyReportInput(records(), undefined, '2026-12-06T12:00:00Z', '1.0.0');
    expect(input.study!.sites[0]).toEqual({ siteId: 'site-a', role: 'training', patientCount: 30, failedCases: 1, missingOutcome: 2 });
    expect(input.distributions).toEqual(['site-a', 'site-b', 'site-c', 'site-t1'].map((siteId) => ({ siteId, feature: 'morph_volume', stage: 'before', n: 30, mean: 100, sd: 10 })));
    const harmonised = studyReportInput(records({ harmonization: { method: 'combat' } }), undefined, '2026-12-06T12:00:00Z', '1.0.0');
    expect(harmonised.notes).toContain('Feature distributions after harmonisation: not drawn, the harmonisation step (combat) recorded no per-site summaries (siteSummaries).');
  });

  // RQS item 3: each extracting site's declaration of the record `fedrad verify-ibsi` wrote (the IBSI 1
  // digital phantom's 482 reference values), as its extract result carries it.
  it('item 3 (phantom study): earned only when every extracting site declared a passed IBSI verification made by the engine that extracted; the evidence names each site', () => {
    const verified = (siteId: string, over: Partial<NonNullable<ExtractResult['ibsiVerification']>> = {}) => ({
      siteId,
      result: { ...extract(30, mr), ibsiVerification: { recordSha256: 'cd'.repeat(32), softwareVersion: '1.0.0', engineSha256: 'ab'.repeat(32), featuresChecked: 482, featuresMatched: 482, passed: true, ranThisEngine: true, ...over } },
    });
    const sites = ['site-a', 'site-b', 'site-c', 'site-t1'];
    const earns = records({ extractions: sites.map((s) => verified(s)) });
    expect(campaignProvenance(earns, '1.0.0').phantomVerification).toMatchObject({ phantom: 'IBSI 1 digital phantom', softwareVersion: '1.0.0', passed: true, featuresChecked: 482 });
    expect(item(earns, 3)).toMatchObject({ points: 1, evidence: expect.stringContaining(`site-t1: fedrad 1.0.0, 482 of 482 reference values matched (record ${'cd'.repeat(32)})`) });
    const undeclared = records({ extractions: [...sites.slice(0, 3).map((s) => verified(s)), { siteId: 'site-t1', result: extract(30, mr) }] });
    expect(item(undeclared, 3)).toMatchObject({ points: 0, evidence: expect.stringContaining('site-t1 declared no IBSI verification') });
    const otherBuild = records({ extractions: sites.map((s) => verified(s, s === 'site-b' ? { ranThisEngine: false } : {})) });
    expect(item(otherBuild, 3)).toMatchObject({ points: 0, evidence: expect.stringContaining('site-b: fedrad 1.0.0, 482 of 482 reference values matched, made by another version or engine than the one that extracted') });
    const failed = records({ extractions: sites.map((s) => verified(s, s === 'site-a' ? { passed: false, featuresMatched: 470 } : {})) });
    expect(item(failed, 3)).toMatchObject({ points: 0, evidence: expect.stringContaining('site-a: fedrad 1.0.0, 470 of 482') });
    // Without extraction there is no phantom to verify: the item says so.
    expect(item(records({ extractions: [] }), 3)).toMatchObject({ points: 0, evidence: 'no phantom verification recorded' });
  });

  // RQS item 16's code point (+1 if code is open source; Lambin et al. 2017, Table 1): the protocol
  // declares the public repository, and the provenance publishes the hash of the code that ran beside
  // the protocol's and the locked model's. Scans, segmentations and features stay with attestations.
  it('item 16 (open science): the code point earned with the declared repository and the hashes of the code, protocol and model; lost without the repository or the code hash', () => {
    const code = coordinatorSourceSha256();
    expect(code).toMatch(/^[0-9a-f]{64}$/);
    const locked = { modelHash: 'ee'.repeat(32), onnxSha256: 'ff'.repeat(32), features: ['morph_volume', 'stat_mean'] };
    const open = records({ campaign: campaign({ codeRepository: 'https://github.com/fedrad/fedrad' }), locked });
    const p = campaignProvenance(open, '1.0.0', code);
    expect(p.software).toEqual({ name: 'fedrad', version: '1.0.0', codeRepository: 'https://github.com/fedrad/fedrad', sourceSha256: code });
    expect(p.published).toEqual({ protocolSha256: open.campaign.protocolHash, modelSha256: 'ff'.repeat(32), codeSha256: code });
    const earned = scoreRqs(p).items[15];
    expect(earned).toMatchObject({ points: 1, evidence: expect.stringContaining(`open-source code https://github.com/fedrad/fedrad (fedrad 1.0.0); published hashes of the code ${code}`) });
    expect(scoreRqs(campaignProvenance(records({ locked }), '1.0.0', code)).items[15]).toMatchObject({ points: 0, evidence: expect.stringContaining('no public code repository recorded') });
    expect(scoreRqs(campaignProvenance(open, '1.0.0')).items[15]).toMatchObject({ points: 0, evidence: expect.stringContaining('the code, protocol and model hashes are not all published') });
    // The report names the repository for TRIPOD+AI's code availability.
    expect(studyReportInput(open, undefined, '2026-12-06T12:00:00Z', '1.0.0').study?.codeRepository).toBe('https://github.com/fedrad/fedrad');
  });
});
