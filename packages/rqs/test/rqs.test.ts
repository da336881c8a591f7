import { describe, expect, it } from '@jest/globals';
import { validate, type CampaignProvenance } from '@fedrad/protocol';
import { AttestationNotAllowedError, DuplicateAttestationError, RQS_ITEMS, scoreRqs } from '../src/index.js';
import { campaign, unattest } from './provenance.js';

// Points per item from Lambin et al., Nat Rev Clin Oncol 2017;14:749, Table 1 (the reference: the
// numbers below are the table's, not the code's). For each item, a campaign that earns its points
// (the full campaign, possibly changed) and one that loses them.
type Edit = (p: CampaignProvenance) => void;
/** Two extracting sites' declared IBSI verifications, each passed by the engine that extracted (482 reference values of the IBSI 1 digital phantom). */
const phantomSites = () =>
  ['site-a', 'site-b'].map((siteId) => ({ siteId, declared: true, softwareVersion: '0.1.0', engineSha256: 'ab'.repeat(32), recordSha256: 'cd'.repeat(32), featuresChecked: 482, featuresMatched: 482, passed: true, ranThisEngine: true }));
const CASES: Array<{ item: number; earns: [Edit, number]; loses: [Edit, number]; more?: Array<[string, Edit, number]> }> = [
  { item: 1, earns: [() => {}, 2], loses: [(p) => (delete p.sites[1].acquisition, unattest('rqs-1.public-protocol')(p)), 0], more: [['pinned config and summaries, no public protocol', unattest('rqs-1.public-protocol'), 1]] },
  { item: 2, earns: [() => {}, 1], loses: [(p) => (p.reproducibility!.segmentations = 1), 0] },
  {
    item: 3,
    earns: [() => {}, 1],
    loses: [(p) => (p.phantomVerification!.softwareVersion = '0.0.9'), 0],
    more: [
      ['failed verification', (p) => (p.phantomVerification!.passed = false), 0],
      // Each extracting site's own declaration (its extract result): the point needs every one passed by the engine that extracted.
      ['every extracting site verified by the engine that ran', (p) => (p.phantomVerification!.sites = phantomSites()), 1],
      ['one extracting site declared no verification', (p) => (p.phantomVerification!.sites = [...phantomSites().slice(1), { siteId: 'site-a', declared: false }]), 0],
      ['one site\'s record made by another build', (p) => (p.phantomVerification!.sites = phantomSites().map((s, i) => (i === 0 ? { ...s, ranThisEngine: false } : s))), 0],
      ['one site\'s record failed', (p) => (p.phantomVerification!.sites = phantomSites().map((s, i) => (i === 1 ? { ...s, passed: false, featuresMatched: 481 } : s))), 0],
    ],
  },
  { item: 4, earns: [() => {}, 1], loses: [(p) => (p.extraction!.timePoints = 1), 0] },
  {
    item: 5,
    earns: [() => {}, 3],
    loses: [(p) => ((p.selection!.featuresAfter = 800), (p.model.radiomicFeatures = 1200)), -3],
    more: [['no selection step, but the model keeps fewer features than extracted', (p) => delete p.selection, 3]],
  },
  { item: 6, earns: [() => {}, 1], loses: [(p) => (p.model.clinicalFeatures = []), 0] },
  { item: 7, earns: [() => {}, 1], loses: [unattest('rqs-7'), 0], more: [['attested as not done', (p) => (p.attestations!.find((a) => a.claim === 'rqs-7')!.value = false), 0]] },
  { item: 8, earns: [() => {}, 1], loses: [(p) => (p.evaluation!.siteReports[1].thresholdFromTraining = false), 0] },
  { item: 9, earns: [() => {}, 2], loses: [(p) => p.evaluation!.siteReports.forEach((r) => (r.discrimination = false)), 0], more: [['no resampling', (p) => (p.evaluation!.siteReports[0].bootstrapReplicates = 0), 1]] },
  { item: 10, earns: [() => {}, 2], loses: [(p) => (p.evaluation!.siteReports[2].calibration = false), 0], more: [['no resampling', (p) => p.evaluation!.siteReports.forEach((r) => (r.bootstrapReplicates = 0)), 1]] },
  { item: 11, earns: [() => {}, 7], loses: [unattest('rqs-11'), 0] },
  {
    item: 12,
    earns: [() => {}, 5],
    loses: [(p) => ((p.sites = p.sites.filter((s) => s.role === 'training')), delete p.evaluation), -5],
    more: [
      ['two distinct external institutions', (p) => (p.sites[4].institution = 'LUMC'), 4],
      ['one external institution', (p) => ((p.sites[3].institution = p.sites[4].institution = 'Istituto Nazionale Tumori')), 3],
      ['test sites of a training institution only', (p) => p.sites.forEach((s) => (s.institution = 'Centre Léon Bérard')), 2],
      [
        'a previously published signature, attested, beats one same-institute dataset',
        (p) => (p.sites.forEach((s) => (s.institution = 'Centre Léon Bérard')), p.attestations!.push({ claim: 'rqs-12.published-signature', value: true, by: 'study lead', at: '2026-11-01T09:00:00Z', in: 'protocol' })),
        4,
      ],
    ],
  },
  { item: 13, earns: [() => {}, 2], loses: [(p) => (p.evaluation!.siteReports[0].baselineComparison = false), 0] },
  { item: 14, earns: [() => {}, 2], loses: [(p) => (p.evaluation!.siteReports[0].decisionCurve = false), 0] },
  { item: 15, earns: [() => {}, 1], loses: [unattest('rqs-15'), 0] },
  {
    item: 16,
    earns: [() => {}, 4],
    loses: [(p) => (delete p.software.codeRepository, ['rqs-16.scans', 'rqs-16.segmentations', 'rqs-16.features'].forEach((c) => unattest(c)(p))), 0],
    more: [['code only, its hashes published', (p) => ['rqs-16.scans', 'rqs-16.segmentations', 'rqs-16.features'].forEach((c) => unattest(c)(p)), 1], ['code repository but no published model hash', (p) => delete p.published!.modelSha256, 3]],
  },
];

const pointsOf = (p: CampaignProvenance, item: number) => scoreRqs(p).items.find((i) => i.item === item)!;

describe('RQS items (Lambin et al. 2017, Table 1)', () => {
  it('the table has 16 items whose ranges add up to −8 … 36', () => {
    expect(RQS_ITEMS.map((i) => i.item)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(RQS_ITEMS.reduce((s, i) => s + i.minPoints, 0)).toBe(-8);
    expect(RQS_ITEMS.reduce((s, i) => s + i.maxPoints, 0)).toBe(36);
  });
  for (const c of CASES) {
    describe(`item ${c.item}: ${RQS_ITEMS[c.item - 1].name}`, () => {
      it(`earns ${c.earns[1]}`, () => expect(pointsOf(campaign(c.earns[0]), c.item).points).toBe(c.earns[1]));
      it(`loses: ${c.loses[1]}`, () => {
        const item = pointsOf(campaign(c.loses[0]), c.item);
        expect(item.points).toBe(c.loses[1]);
        expect(item.evidence!.length).toBeGreaterThan(0);
      });
      for (const [name, edit, points] of c.more ?? []) it(`${name}: ${points}`, () => expect(pointsOf(campaign(edit), c.item).points).toBe(points));
    });
  }
});

describe('the checklist', () => {
  it('the full campaign scores 36 of 36, validates, and keeps declared points apart with who and when', () => {
    const r = scoreRqs(campaign(), { computedAt: '2026-12-06T12:00:00Z' });
    expect(validate('rqs-checklist', JSON.parse(JSON.stringify(r)))).toEqual({ valid: true });
    expect([r.total, r.percentage]).toEqual([36, 100]);
    // Declared: 1 (public protocol) + 1 (item 7) + 7 (item 11) + 1 (item 15) + 3 (item 16's scans, segmentations, features).
    expect(r.declaredTotal).toBe(13);
    expect(r.derivedTotal).toBe(23);
    const item11 = r.items[10];
    expect(item11).toMatchObject({ source: 'declared', declaredBy: 'study lead (Dr A. Martin)', declaredAt: '2026-11-01T09:00:00Z', declaredIn: 'protocol' });
    expect(item11.evidence).toContain('NCT00000000');
    expect(r.items[8]).toMatchObject({ source: 'derived' });
    expect(r.items[8].evidence).toContain('site-milan');
  });
  it('a campaign that did nothing scores the minimum −8, shown as 0 %', () => {
    const bare = campaign((p) => {
      p.sites = p.sites.filter((s) => s.role === 'training').map(({ acquisition: _, ...s }) => s);
      for (const k of ['extraction', 'phantomVerification', 'reproducibility', 'selection', 'evaluation', 'published', 'attestations'] as const) delete p[k];
      p.model = { family: 'logistic', radiomicFeatures: 10, clinicalFeatures: [] };
      delete p.software.codeRepository;
    });
    const r = scoreRqs(bare);
    expect([r.total, r.percentage, r.declaredTotal]).toEqual([-8, 0, 0]);
  });
  it("refuses an attestation of a derived item (a statement cannot overrule what ran), one naming no claim, and a claim given twice", () => {
    const at = { value: true, by: 'someone', at: '2026-12-01T10:00:00Z', in: 'operator' as const };
    expect(() => scoreRqs(campaign((p) => p.attestations!.push({ claim: 'rqs-12', ...at })))).toThrow(AttestationNotAllowedError);
    expect(() => scoreRqs(campaign((p) => p.attestations!.push({ claim: 'metrics-27', ...at })))).toThrow(/metrics-27.*derived/);
    expect(() => scoreRqs(campaign((p) => p.attestations!.push({ claim: 'rqs-7', ...at })))).toThrow(DuplicateAttestationError);
  });
});
