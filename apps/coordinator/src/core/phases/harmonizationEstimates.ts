import {
  HarmonizeInputError, combatBatchAdjustment, combatCovariateFit, combatEstimate, zscoreCombine,
  type CombatSiteMoments, type CombatSiteResiduals, type CombatSiteAdjustment, type CombatStandardisation, type Standardisation,
} from '@fedrad/harmonize';
import { canonicalHash, harmonizeBasisHash, type CampaignProtocol, type HarmonizeParams, type HarmonizeResult } from '@fedrad/protocol';

/** The harmonisation a protocol asks for, as the site jobs name it ("combat-federated" is ComBat, federated either way). */
export type HarmonizationMethod = HarmonizeParams['method'];

export function harmonizationMethodOf(protocol: CampaignProtocol): HarmonizationMethod | undefined {
  const named = protocol.analysisPlan?.harmonization ?? 'none';
  return named === 'none' ? undefined : named === 'combat-federated' ? 'combat' : named;
}

/** ComBat's options as the protocol gives them (sva's defaults when absent). */
export function combatOptionsOf(protocol: CampaignProtocol): { prior: 'parametric' | 'non-parametric'; meanOnly: boolean; referenceSite: string | null } {
  const o = protocol.analysisPlan?.harmonizationOptions ?? {};
  return { prior: o.prior ?? 'parametric', meanOnly: o.meanOnly ?? false, referenceSite: o.referenceSite ?? null };
}

/** ComBat's covariates to preserve (analysisPlan.harmonizationOptions.covariates; none when absent). */
export function combatCovariatesOf(protocol: CampaignProtocol): string[] {
  return harmonizationMethodOf(protocol) === 'combat' ? [...(protocol.analysisPlan?.harmonizationOptions?.covariates ?? [])] : [];
}

/** The training sites whose moments a ComBat estimate pools, sorted. */
const trainingWith = (protocol: CampaignProtocol, moments: ReadonlyMap<string, HarmonizeResult>) => protocol.trainingSites.filter((s) => moments.has(s)).sort();

/** A site's ComBat moments as @fedrad/harmonize takes them (its covariate cross-products when the protocol has covariates). */
function combatMomentsOf(result: HarmonizeResult, features: string[], covariates: string[]): CombatSiteMoments {
  return {
    patientCount: result.patientCount, featureNames: features, covariateNames: covariates, featureMean: result.featureMean!,
    covariateMean: result.covariateMean ?? [], covariateScatter: result.covariateScatter ?? [], crossScatter: result.crossScatter ?? [],
  };
}

/**
 * ComBat's covariate coefficients β (covariates × features, row-major) from the training sites'
 * moments: the normal equations with the batch indicators (Chen et al. 2022, Algorithm 1, step 1;
 * combatCovariateFit). Sent to every site, test sites included, for its residual sums.
 */
export function combatCovariateBeta(protocol: CampaignProtocol, features: string[], moments: ReadonlyMap<string, HarmonizeResult>): number[] {
  const covariates = combatCovariatesOf(protocol);
  return combatCovariateFit(new Map(trainingWith(protocol, moments).map((s) => [s, combatMomentsOf(moments.get(s)!, features, covariates)]))).beta;
}

/** What one site is handed in its apply job (its own batch only), before the step's hash is added. */
export type SiteEstimate = Pick<HarmonizeParams, 'batch' | 'basisHash' | 'combat' | 'standardisation'>;

/**
 * The harmonisation step's output (recorded by the runner; its canonical hash is what every later
 * job names): the method and options, the features, the training sites the estimate pooled, and
 * for every site the hash of the estimate it was sent — not the estimates themselves, which each
 * site keeps for itself.
 */
export interface HarmonizationOutput {
  method: HarmonizationMethod;
  options: ReturnType<typeof combatOptionsOf> | Record<string, never>;
  features: string[];
  /** The training sites whose moments made the pooled estimate (none for per-site z-scoring). */
  estimatedFrom: string[];
  /** ComBat's preserved covariates, when the protocol has any. */
  covariates?: string[];
  sites: Array<{ siteId: string; role: 'training' | 'test'; estimateHash: string }>;
}

/**
 * Every site's estimate from the moments the sites sent (by site id). ComBat: distributed ComBat
 * (@fedrad/harmonize, Chen et al. 2022) over the training sites — the twin's functions in the
 * twin's order, so the campaign equals `fedrad harmonize --sites` — and each test site as its own
 * batch against the training sites' standardisation (combatBatchAdjustment; no label, no part in
 * the estimate). Pooled z-scoring: the training sites' pooled mean and sd, for every site. Per-site
 * z-scoring: nothing to estimate; each site computes its own. With ComBat covariates, `residuals`
 * holds each site's residual sums for the training sites' β, and every training site that sent
 * moments must have sent them (β pooled all of them).
 */
export function harmonizationEstimates(
  protocol: CampaignProtocol,
  features: string[],
  moments: ReadonlyMap<string, HarmonizeResult>,
  sites: readonly string[],
  residuals: ReadonlyMap<string, HarmonizeResult> = new Map(),
): { output: HarmonizationOutput; estimates: Map<string, SiteEstimate> } {
  const method = harmonizationMethodOf(protocol)!;
  const roleOf = (s: string): 'training' | 'test' => (protocol.trainingSites.includes(s) ? 'training' : 'test');
  const training = trainingWith(protocol, moments);
  const estimates = new Map<string, SiteEstimate>();
  const covariates = combatCovariatesOf(protocol);
  // The summaries each site last sent: its residuals with covariates, else its moments.
  const last = covariates.length > 0 ? residuals : moments;
  const basis = (s: string) => (last.has(s) ? { basisHash: harmonizeBasisHash(last.get(s)!) } : {});
  if (method === 'combat') {
    const options = combatOptionsOf(protocol);
    const siteMoments = (s: string): CombatSiteMoments => combatMomentsOf(moments.get(s)!, features, covariates);
    const siteResiduals = (s: string): CombatSiteResiduals => {
      const r = last.get(s);
      if (!r) throw new HarmonizeInputError(`Site ${s} sent its moments but not its residual sums for the covariate coefficients; β pooled its moments, so the estimate cannot go on without it.`, { siteId: s });
      return { patientCount: r.patientCount, residualSumSq: r.sumSq! };
    };
    const trainingMoments = new Map(training.map((s) => [s, siteMoments(s)]));
    const fit = combatCovariateFit(trainingMoments);
    const combatOptions = { meanOnly: options.meanOnly, nonParametric: options.prior === 'non-parametric', ...(options.referenceSite !== null ? { referenceBatch: options.referenceSite } : {}) };
    const adjustments = combatEstimate(trainingMoments, new Map(training.map((s) => [s, siteResiduals(s)])), fit, combatOptions);
    const { gammaStar: _g, deltaStar: _d, reference: _r, ...standardisation }: CombatSiteAdjustment = adjustments.get(training[0])!;
    for (const s of sites) {
      const a = adjustments.get(s) ?? combatBatchAdjustment(standardisation as CombatStandardisation, siteMoments(s), siteResiduals(s), combatOptions);
      const beta = covariates.length > 0 ? { beta: a.beta } : {};
      estimates.set(s, { batch: s, ...basis(s), combat: { grandMean: a.grandMean, varPooled: a.varPooled, gammaStar: a.gammaStar, deltaStar: a.deltaStar, reference: a.reference, ...beta } });
    }
    const output = outputOf(method, options, features, training, sites, estimates, roleOf);
    return { output: covariates.length > 0 ? { ...output, covariates } : output, estimates };
  }
  if (method === 'zscore-pooled') {
    const pooled: Standardisation = zscoreCombine(new Map(training.map((s) => [s, { patientCount: moments.get(s)!.patientCount, featureNames: features, mean: moments.get(s)!.featureMean!, sumSq: moments.get(s)!.sumSq! }])));
    for (const s of sites) estimates.set(s, { batch: s, ...basis(s), standardisation: { mean: pooled.mean, sd: pooled.sd } });
    return { output: outputOf(method, {}, features, training, sites, estimates, roleOf), estimates };
  }
  for (const s of sites) estimates.set(s, { batch: s });
  return { output: outputOf(method, {}, features, [], sites, estimates, roleOf), estimates };
}

function outputOf(
  method: HarmonizationMethod,
  options: HarmonizationOutput['options'],
  features: string[],
  estimatedFrom: string[],
  sites: readonly string[],
  estimates: Map<string, SiteEstimate>,
  roleOf: (s: string) => 'training' | 'test',
): HarmonizationOutput {
  return {
    method, options, features: [...features], estimatedFrom: [...estimatedFrom],
    sites: [...sites].sort().map((siteId) => ({ siteId, role: roleOf(siteId), estimateHash: canonicalHash(estimates.get(siteId)) })),
  };
}

/** The model card's line on the harmonisation (method, options, output hash). */
export function harmonisationLine(output: HarmonizationOutput, outputHash: string): string {
  const what = {
    combat: `federated ComBat (Johnson et al. 2007; distributed as in Chen et al. 2022, equal to sva::ComBat on the training sites' pooled rows) with a ${'prior' in output.options ? output.options.prior : 'parametric'} prior${'meanOnly' in output.options && output.options.meanOnly ? ', location only' : ''}${'referenceSite' in output.options && output.options.referenceSite ? `, reference site ${output.options.referenceSite}` : ''}, ${output.covariates?.length ? `preserving the covariates ${output.covariates.join(', ')} (their β from the training sites, used at every site)` : 'no covariates'}, estimated from ${output.estimatedFrom.join(', ')}; each test site its own batch against that standardisation`,
    'zscore-pooled': `pooled z-scoring (mean and sd of ${output.estimatedFrom.join(', ')}, applied at every site)`,
    'zscore-site': 'per-site z-scoring (each site its own mean and sd)',
  }[output.method];
  return `${what}; ${output.features.length} features; harmonisation ${outputHash}`;
}
