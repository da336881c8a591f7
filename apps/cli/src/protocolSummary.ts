import type { CampaignProtocol } from '@fedrad/protocol';

/**
 * What a site operator reads before `fedrad site approve`: the protocol in plain lines, and what
 * approving it lets the coordinator ask of this site. Every field of the document is shown (a
 * field left out here would be approved blind); unknown fields cannot occur, as the schema
 * refuses them before this runs.
 */
export function protocolSummary(p: CampaignProtocol, protocolHash: string, siteId?: string): string {
  const t = p.training;
  const plan = p.analysisPlan;
  const role = siteId === undefined ? undefined : p.trainingSites.includes(siteId) ? 'training site' : p.testSites.includes(siteId) ? 'independent test site' : undefined;
  const lines = [
    `campaign   ${p.campaignId} (version ${p.version})${p.createdAt ? `, created ${p.createdAt}` : ''}`,
    `title      ${p.title}`,
    ...(p.question ? [`question   ${p.question}`] : []),
    `hash       ${protocolHash}`,
    `outcome    ${JSON.stringify(p.outcome)}`,
    `model      ${JSON.stringify(p.model)}`,
    `features   ${p.features === undefined ? 'not fixed in advance' : `${p.features.length}: ${p.features.join(', ')}`}`,
    ...(p.featureConfig !== undefined ? [`extraction ${JSON.stringify(p.featureConfig)}`] : []),
    `training   sites ${p.trainingSites.join(', ')}`,
    `test       sites ${p.testSites.length ? p.testSites.join(', ') : 'none'} (never used for training or tuning)`,
    `rounds     ${JSON.stringify(t)}`,
    ...(plan ? [`analysis   ${JSON.stringify(plan)}`] : []),
    `minimum    ${p.minCohortSize} patients behind any aggregate that leaves a site`,
  ];
  if (siteId !== undefined) {
    lines.push(
      role === undefined
        ? `this site  ${siteId} is not named in the protocol: approving it lets the coordinator ask nothing of this site`
        : `this site  ${siteId} is a ${role}: ${role === 'training site' ? `up to ${t.rounds} training round(s), each returning aggregate sums or parameters over the cohort` : 'one evaluation of the locked model, returning aggregate metrics'}`,
    );
  }
  lines.push('', `approve it with: fedrad site approve ${protocolHash} --config site.yaml`);
  return lines.join('\n') + '\n';
}
