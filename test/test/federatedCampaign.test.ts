import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSiteConfig, SiteDaemon, SiteStore } from '@fedrad/site-node';
import { CampaignWorld, protocolFor, TRUST_COORDINATOR_COEFFICIENTS } from './campaignWorld.js';
import { originalScaleCoefficients } from './onnxCoefficients.js';
import { runFedrad, spawnFedrad, waitUntil } from './processes.js';

// One coordinator and four site nodes as separate processes on 127.0.0.1, fresh CA, small
// seeded cohorts. Campaigns run one after another on the same processes.
const CAMPAIGN = 'e2e-campaign';
const TRAINING = ['site-a', 'site-b', 'site-c'];
let world: CampaignWorld;
let dir: string;

beforeAll(async () => {
  world = CampaignWorld.ofFeatureTables('fedrad-e2e-', CAMPAIGN, 'site-a=70,site-b=55,site-c=65,site-test=60', 6, 11);
  dir = world.dir;
  // The plain protocols here are the reference the verified and masked campaigns must match: the sites opt in to their later rounds.
  await world.start(TRUST_COORDINATOR_COEFFICIENTS);
}, 120000);

afterAll(async () => {
  await world?.close();
});

/** Every training site's store holds the state it verified for that round of the campaign (its trajectory record). */
function expectVerifiedAtEverySite(campaignId: string, round: number): void {
  for (const site of TRAINING) {
    const store = new SiteStore(loadSiteConfig(world.sites.get(site)!.config).database);
    try {
      expect(store.verifiedState(campaignId, round)).toBeDefined();
    } finally {
      store.close();
    }
  }
}

describe('federated campaign across processes', () => {
  it('exact aggregation reproduces `fedrad train` on the pooled CSV (coefficients to 1e-6), and the test site evaluates the locked model', async () => {
    const features = world.cohorts.features;
    const protocol = protocolFor(`${CAMPAIGN}-exact`, features, TRAINING, ['site-test'], { strategy: 'exact-newton', rounds: 30, roundDeadlineSeconds: 30 });
    const hash = await world.createCampaign(protocol);
    await Promise.all([...TRAINING, 'site-test'].map((site) => world.approve(site, hash)));
    // A new approval is announced in the next hello: reconnecting is what a site does anyway.
    await world.client.campaigns.start({ campaignId: protocol.campaignId as string });
    const status = await world.waitForState(protocol.campaignId as string, ['completed'], 90000);

    // Reference: the centralised fit of the same model on the union of the training sites' rows.
    const pooledFeatures = join(dir, 'pooled-features.csv');
    const pooledOutcome = join(dir, 'pooled-outcome.csv');
    const training = world.cohorts.sites.filter((s) => TRAINING.includes(s.siteId));
    const concat = (files: string[]) => {
      const [header] = readFileSync(files[0], 'utf8').split('\n');
      return [header, ...files.flatMap((f) => readFileSync(f, 'utf8').trim().split('\n').slice(1))].join('\n') + '\n';
    };
    writeFileSync(pooledFeatures, concat(training.map((s) => s.featuresCsv)));
    writeFileSync(pooledOutcome, concat(training.map((s) => s.outcomeCsv)));
    const pooledModel = join(dir, 'pooled.onnx');
    await runFedrad(['train', '--features', pooledFeatures, '--outcome', pooledOutcome, '--model', 'elasticnet-logistic', '--alpha', '0.5', '--lambda', '0.05', '--out', pooledModel], world.logDir, 'pooled-train');
    const pooled = originalScaleCoefficients(new Uint8Array(readFileSync(pooledModel)));

    const coef = (status.model!.parameters as Array<{ name: string; data: number[] }>).find((t) => t.name === 'coef')!.data;
    expect(coef).toHaveLength(features.length + 1);
    coef.forEach((v, k) => expect(Math.abs(v - pooled[k])).toBeLessThan(1e-6));
    // The exported ONNX model carries the same coefficients.
    const onnx = await world.client.campaigns.modelOnnx({ campaignId: protocol.campaignId as string });
    originalScaleCoefficients(new Uint8Array(Buffer.from(onnx!.base64, 'base64'))).forEach((v, k) => expect(Math.abs(v - pooled[k])).toBeLessThan(1e-6));

    // Only the test site's evaluation report came back: 60 patients, an AUC with its DeLong CI.
    expect(status.evaluations).toHaveLength(1);
    const report = status.evaluations[0].report as { siteId: string; patientCount: number; discrimination: { auc: { estimate: number; lower: number; upper: number } } };
    expect(report).toMatchObject({ siteId: 'site-test', patientCount: 60 });
    expect(report.discrimination.auc.lower).toBeLessThan(report.discrimination.auc.estimate);

    // Issue #19.5: a hand-run campaign ends in a summary a person reads, and its results export as files.
    const api = ['--api', `http://127.0.0.1:${world.apiPort}/trpc`, '--token', world.token!, '--campaign', protocol.campaignId as string];
    const summary = await runFedrad(['coordinator', 'campaign', 'wait', ...api], world.logDir, 'campaign-wait');
    expect(summary).toContain(`state      completed`);
    expect(summary).toContain(`model      locked ${status.model!.lockedAt}, hash ${status.model!.modelHash}`);
    expect(summary).toContain(`independent test site site-test: 60 patients`);
    expect(summary).toContain(`AUC                       ${report.discrimination.auc.estimate.toFixed(3)} (95% CI`);
    expect(summary).not.toContain('"evaluations"');
    const exported = join(dir, 'export');
    await runFedrad(['coordinator', 'campaign', 'export', ...api, '--out', exported], world.logDir, 'campaign-export');
    expect(readFileSync(join(exported, 'model.onnx')).equals(Buffer.from(onnx!.base64, 'base64'))).toBe(true);
    expect(JSON.parse(readFileSync(join(exported, 'evaluations/site-test.json'), 'utf8'))).toEqual(report);
    expect(JSON.parse(readFileSync(join(exported, 'locked-model.json'), 'utf8')).modelHash).toBe(status.model!.modelHash);
    expect(readFileSync(join(exported, 'summary.txt'), 'utf8')).toContain('state      completed');
    // The export holds the campaign's own study report (its report step), with the RQS it scored: one external test site (item 12: +3).
    expect(JSON.parse(readFileSync(join(exported, 'rqs.json'), 'utf8')).items.find((i: { item: number }) => i.item === 12).points).toBe(3);
    expect(readFileSync(join(exported, 'report.html'), 'utf8')).toContain('<section id="tripod">');
    // Issue #16: every site kept the coordinator's signed audit heads; the log matches them.
    const headsA = join(world.sites.get('site-a')!.dir, 'coordinator-audit-heads.jsonl');
    const verified = await runFedrad(['audit', 'verify', '--data', join(dir, 'coordinator'), '--site-heads', headsA, '--ca-cert', join(world.caDir, 'ca.cert.pem')], world.logDir, 'audit-verify');
    expect(verified).toMatch(/matches the \d+ signed heads in /);
    expect(Number(/matches the (\d+) signed heads/.exec(verified)![1])).toBeGreaterThanOrEqual(2);
  }, 120000);

  it('with shared site updates every site checks every round\'s parameters against the signed updates, and the campaign reaches the same model', async () => {
    const features = world.cohorts.features;
    const protocol = protocolFor(`${CAMPAIGN}-verified`, features, TRAINING, [], { strategy: 'exact-newton', rounds: 30, roundDeadlineSeconds: 30, shareSiteUpdates: true });
    const hash = await world.createCampaign(protocol);
    await Promise.all(TRAINING.map((site) => world.approve(site, hash)));
    await world.client.campaigns.start({ campaignId: protocol.campaignId as string });
    const status = await world.waitForState(protocol.campaignId as string, ['completed'], 90000);
    // The same sums and the same steps as the campaign without the check: the same coefficients.
    const plain = await world.waitForState(`${CAMPAIGN}-exact`, ['completed'], 5000);
    const coef = (s: typeof status) => (s.model!.parameters as Array<{ name: string; data: number[] }>).find((t) => t.name === 'coef')!.data;
    expect(coef(status)).toEqual(coef(plain));
    // Each training site verified the last round it was sent (its trajectory record), so it checked every round before.
    const last = status.rounds.length - 1;
    expect(last).toBeGreaterThan(1);
    expectVerifiedAtEverySite(protocol.campaignId as string, last);
  }, 120000);

  it('under secure aggregation every round runs its four stages between the real processes, each site checks each round on the masked forms, and the model is the plain one to the ring\'s precision', async () => {
    const features = world.cohorts.features;
    const training = { strategy: 'exact-newton' as const, rounds: 6, roundDeadlineSeconds: 30 };
    const plainProtocol = protocolFor(`${CAMPAIGN}-unmasked`, features, TRAINING, [], training);
    const secureProtocol = protocolFor(`${CAMPAIGN}-secure`, features, TRAINING, [], { ...training, secureAggregation: true });
    for (const protocol of [plainProtocol, secureProtocol]) {
      const hash = await world.createCampaign(protocol);
      await Promise.all(TRAINING.map((site) => world.approve(site, hash)));
      await world.client.campaigns.start({ campaignId: protocol.campaignId as string });
    }
    const plain = await world.waitForState(plainProtocol.campaignId as string, ['completed'], 90000);
    const secure = await world.waitForState(secureProtocol.campaignId as string, ['completed'], 120000);
    const coef = (s: typeof plain) => (s.model!.parameters as Array<{ name: string; data: number[] }>).find((t) => t.name === 'coef')!.data;
    // Each site's sums are rounded to 2^-24 on the ring; Newton's fixed point moves by far less than 1e-5.
    coef(secure).forEach((v, k) => expect(Math.abs(v - coef(plain)[k])).toBeLessThan(1e-5));
    const last = secure.rounds.length - 1;
    expect(last).toBeGreaterThan(1);
    expect(secure.jobs.filter((j) => j.round === 0).map((j) => j.jobId.split('/').slice(2, -1).join('/') || 'train-round').sort()).toEqual(
      ['keys', 'keys', 'keys', 'shares', 'shares', 'shares', 'train-round', 'train-round', 'train-round', 'unmask', 'unmask', 'unmask'],
    );
    // Each training site verified the last round's parameters from the previous round's signed masked forms.
    expectVerifiedAtEverySite(secureProtocol.campaignId as string, last);
  }, 240000);

  it('a site that has not approved the protocol refuses its job, and the refusal reaches the coordinator with the reason', async () => {
    const protocol = protocolFor(`${CAMPAIGN}-unapproved`, world.cohorts.features, ['site-a', 'site-b'], [], { strategy: 'fedavg', rounds: 1, quorum: 1, roundDeadlineSeconds: 30, localEpochs: 1 });
    const hash = await world.createCampaign(protocol);
    await world.approve('site-a', hash); // site-b's operator never approves
    await world.client.campaigns.start({ campaignId: protocol.campaignId as string });
    const status = await world.waitForState(protocol.campaignId as string, ['completed', 'failed'], 60000);
    const jobB = status.jobs.find((j) => j.siteId === 'site-b')!;
    expect(jobB.failureCode).toBe('PROTOCOL_NOT_APPROVED');
    expect(jobB.failureMessage).toContain(hash);
    expect(status.jobs.find((j) => j.siteId === 'site-a')!.failureCode).toBeNull();
  }, 90000);

  it('the egress guard of a site blocks a result carrying per-patient rows; the coordinator gets only EGRESS_BLOCKED', async () => {
    // site-c's daemon is replaced by one whose training job leaks every patient's score.
    const siteC = world.sites.get('site-c')!;
    await siteC.process!.stop();
    const config = loadSiteConfig(siteC.config);
    const ids = readFileSync(siteC.outcomeCsv, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]);
    const leaky = new SiteDaemon(config, {
      log: () => {},
      runJob: async (input) => ({
        ok: true,
        result: {
          kind: 'train-round', round: input.envelope.round ?? 0, sampleCount: ids.length, contents: 'parameters',
          tensors: [{ name: 'coef', shape: [7], data: new Array(7).fill(0) }, { name: 'rows', shape: [ids.length], data: ids.map((_, i) => i) }],
        },
      }),
    });
    const protocol = protocolFor(`${CAMPAIGN}-leak`, world.cohorts.features, ['site-c'], [], { strategy: 'fedavg', rounds: 1, roundDeadlineSeconds: 30 });
    const hash = await world.createCampaign(protocol);
    const store = new SiteStore(config.database);
    store.approve(hash, 'e2e-operator');
    store.close();
    leaky.start();
    try {
      await world.client.campaigns.start({ campaignId: protocol.campaignId as string });
      const status = await waitUntil('the leaky job to fail', async () => {
        const s = await world.client.campaigns.status({ campaignId: protocol.campaignId as string });
        return s.jobs.find((j) => j.failureCode) ? s : undefined;
      }, 30000);
      expect(status.jobs[0].failureCode).toBe('EGRESS_BLOCKED');
      expect(status.jobs[0].failureMessage).toMatch(/per-patient-array at \/result\/tensors\/1/);
      const audit = JSON.stringify(await world.client.audit.list({ campaignId: protocol.campaignId as string }));
      for (const id of ids) expect(audit).not.toContain(id);
    } finally {
      await leaky.stop();
    }
    const log = JSON.parse(await runFedrad(['site', 'egress-log', '--config', siteC.config, '--json'], world.logDir, 'site-c-egress-log')) as Array<{ schema: string; reasons: string }>;
    expect(log.some((e) => e.schema === 'job-result' && e.reasons.includes('per-patient-array'))).toBe(true);
    const siteStatus = JSON.parse(await runFedrad(['site', 'status', '--config', siteC.config, '--json'], world.logDir, 'site-c-status')) as { blockedMessages: number; approvals: Array<{ protocolHash: string }> };
    expect(siteStatus.blockedMessages).toBe(log.length);
    expect(siteStatus.approvals.map((a) => a.protocolHash)).toContain(hash);
    world.startSite('site-c');
  }, 90000);

  it('a site whose table has a missing value reports the code and the failing case to the coordinator, and keeps running', async () => {
    const siteC = world.sites.get('site-c')!;
    await siteC.process!.stop();
    const lines = readFileSync(siteC.featuresCsv, 'utf8').split('\n');
    const caseId = lines[9].split(',')[0];
    lines[9] = lines[9].replace(/,[^,]*$/, ','); // the last feature of the 9th case is empty
    const brokenCsv = join(dir, 'site-c-broken.csv');
    writeFileSync(brokenCsv, lines.join('\n'));
    const brokenConfig = join(siteC.dir, 'site-broken.yaml');
    writeFileSync(brokenConfig, readFileSync(siteC.config, 'utf8').replace(siteC.featuresCsv, brokenCsv));
    const broken = spawnFedrad('site-c-broken', ['site', 'start', '--config', brokenConfig], world.logDir);
    try {
      const protocol = protocolFor(`${CAMPAIGN}-broken`, world.cohorts.features, ['site-c'], [], { strategy: 'exact-newton', rounds: 3, roundDeadlineSeconds: 30, maxAttempts: 1 });
      const hash = await world.createCampaign(protocol);
      await world.approve('site-c', hash);
      await world.client.campaigns.start({ campaignId: protocol.campaignId as string });
      const status = await world.waitForState(protocol.campaignId as string, ['failed', 'completed'], 60000);
      expect(status.jobs[0].failureCode).toBe('TABLE_MISSING_VALUE');
      expect(status.jobs[0].failureMessage).toContain(caseId);
      expect(broken.child.exitCode).toBeNull(); // the daemon is still up
    } finally {
      await broken.stop();
    }
    world.startSite('site-c');
  }, 90000);

  it('a revoked site certificate is refused: the running site is cut off and cannot connect again', async () => {
    const siteB = world.sites.get('site-b')!;
    await world.client.sites.revoke({ siteId: 'site-b', reason: 'keyCompromise' });
    expect(await siteB.process!.exited).toBe(3);
    expect(siteB.process!.output()).toMatch(/CERTIFICATE_REFUSED/);
    const again = spawnFedrad('site-b-after-revocation', ['site', 'start', '--config', siteB.config], world.logDir);
    expect(await again.exited).toBe(3);
    const audit = await world.client.audit.list({ siteId: 'site-b', event: 'site.connection-refused' });
    expect(audit.length).toBeGreaterThan(0);
  }, 60000);
});
