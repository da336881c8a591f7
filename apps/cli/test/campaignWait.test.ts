import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiToken, createCoordinatorClient, initCaFolder, startCoordinator, type RunningCoordinator } from '@fedrad/coordinator';
import * as coordinatorCommands from '../src/commands/coordinator.js';
import { runCommands } from './commandRunner.js';

// `fedrad coordinator campaign wait` on a campaign an operator cancelled: it ends at once, naming
// the cancel and its reason, instead of waiting out its timeout.
const dir = mkdtempSync(join(tmpdir(), 'fedrad-cli-wait-'));
let coordinator: RunningCoordinator;
afterAll(async () => {
  await coordinator?.close();
});

describe('campaign wait', () => {
  it('ends with CAMPAIGN_CANCELLED for a cancelled campaign', async () => {
    initCaFolder(join(dir, 'ca'), 'cli-wait', 30);
    coordinator = await startCoordinator({ dataDir: join(dir, 'data'), caDir: join(dir, 'ca'), exportModel: null, consoleDir: null, onFirstAdmin: () => undefined, log: () => undefined });
    const token = (await createApiToken(coordinator.core.db, 'admin', 'tests', 'test-setup')).token;
    const api = createCoordinatorClient(coordinator.apiUrl, token);
    await api.campaigns.create({
      type: 'campaign-protocol', campaignId: 'waited', title: 'Waited', version: 1, outcome: { type: 'binary', label: 'y' }, features: ['f1', 'f2'],
      model: { family: 'logistic' }, trainingSites: ['site-a', 'site-b'], testSites: [], minCohortSize: 5, training: { strategy: 'exact-newton', rounds: 5, roundDeadlineSeconds: 60 },
    });
    await api.campaigns.start({ campaignId: 'waited' });
    await api.campaigns.cancel({ campaignId: 'waited', reason: 'protocol superseded' });
    const started = Date.now();
    await expect(runCommands([coordinatorCommands], ['coordinator', 'campaign', 'wait', '--campaign', 'waited', '--api', coordinator.apiUrl, '--token', token, '--timeout', '60', '--json'])).rejects.toMatchObject({
      code: 'CAMPAIGN_CANCELLED',
      message: 'Campaign waited was cancelled: CANCELLED protocol superseded',
    });
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
