import type { CampaignProtocol, ModelCard } from '@fedrad/protocol';
import type { CoreContext } from '../context.js';
import { ibsiCodeOf } from '../report/ibsiCodes.js';
import { trainingCounts } from '../report/campaignRecords.js';

type CardCampaign = NonNullable<ModelCard['campaign']>;

/**
 * The card's sites with the patients each contributed, as known when the model is locked: a
 * training site's count is the sampleCount of its last update (what it signed); a test site's is
 * its extraction QC's patient count when the campaign extracted (its evaluation comes after the
 * card is signed, and the report shows it). A count nobody reported is left out, not guessed.
 */
export function cardSites(ctx: CoreContext, campaignId: string, p: CampaignProtocol): CardCampaign['sites'] {
  const trained = trainingCounts(ctx, campaignId);
  const extracted = new Map(
    (ctx.db.prepare('SELECT site_id, result_json FROM extractions WHERE campaign_id = ?').all(campaignId) as Array<{ site_id: string; result_json: string }>).map((r) => [r.site_id, (JSON.parse(r.result_json) as { patientCount: number }).patientCount]),
  );
  const site = (siteId: string, role: 'training' | 'test') => {
    const patientCount = role === 'training' ? (trained.get(siteId) ?? extracted.get(siteId)) : extracted.get(siteId);
    return { siteId, role, ...(patientCount !== undefined ? { patientCount } : {}) };
  };
  return [...p.trainingSites.map((s) => site(s, 'training')), ...p.testSites.map((s) => site(s, 'test'))];
}

/** The card's features, each with its IBSI feature code when an IBSI family makes it (radiomics' catalogue). */
export function cardFeatures(names: readonly string[]): CardCampaign['features'] {
  return names.map((name) => {
    const ibsiCode = ibsiCodeOf(name);
    return { name, ...(ibsiCode ? { ibsiCode } : {}) };
  });
}
