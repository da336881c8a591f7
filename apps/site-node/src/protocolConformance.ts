import { canonicalJson, type CampaignProtocol, type ExtractParams, type JobEnvelope, type TrainRoundParams } from '@fedrad/protocol';

/**
 * Approving a protocol hash approves what that protocol says, not anything a job claims
 * under it. With the locked protocol document in hand (from the coordinator's welcome, its
 * hash checked), a job must stay inside it: training jobs go to training sites and train the
 * protocol's model on the protocol's features with the protocol's strategy; extract jobs run
 * the protocol's feature config, to the byte; evaluation jobs go to test sites. Returns what is out of line (empty when the job conforms).
 */
export function protocolDeviations(job: JobEnvelope, protocol: CampaignProtocol, role: 'training' | 'test'): string[] {
  const problems: string[] = [];
  if (job.campaignId !== protocol.campaignId) problems.push(`the job is for campaign ${job.campaignId}, the protocol for ${protocol.campaignId}`);
  if (job.kind === 'train-round') {
    const params = job.params as TrainRoundParams;
    if (role !== 'training') problems.push(`this site is a ${role} site of the campaign; it trains nothing`);
    if (params.strategy !== protocol.training.strategy) problems.push(`strategy ${params.strategy} is not the protocol's ${protocol.training.strategy}`);
    if (canonicalJson(params.model) !== canonicalJson(protocol.model)) problems.push(`the model ${canonicalJson(params.model)} is not the protocol's ${canonicalJson(protocol.model)}`);
    if (protocol.features && canonicalJson(params.features) !== canonicalJson(protocol.features)) problems.push('the features asked for are not the protocol\'s features');
    if (params.round >= protocol.training.rounds) problems.push(`round ${params.round} is beyond the protocol's ${protocol.training.rounds} rounds`);
  }
  if (job.kind === 'extract') {
    const params = job.params as ExtractParams;
    if (protocol.featureConfig === undefined) problems.push('the protocol pins no feature config, so it asks for no extraction');
    else if (canonicalJson(params.featureConfig) !== canonicalJson(protocol.featureConfig)) problems.push("the feature config sent is not the protocol's");
  }
  if (job.kind === 'evaluate' && role !== 'test') problems.push(`this site is a ${role} site of the campaign; only independent test sites evaluate`);
  return problems;
}
