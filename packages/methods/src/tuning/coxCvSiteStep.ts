import { coxPartialLikelihood, coxRiskSetSums } from '@fedrad/numeric';
import { concordanceCounts } from '@fedrad/stats';
import { coxSiteStep } from '../cox/coxSiteStep.js';
import type { SurvivalRows } from '../cox/survivalRows.js';
import { binOfTimes, eventTimes } from '../cox/timeBins.js';
import { MethodInputError } from '../errors.js';
import type { CoxCvStepParams, CoxCvStepUpdate } from './coxCvStep.js';

/**
 * The site half of federated Cox tuning: sums over the site's own rows only (see CoxCvStepParams).
 * Refuses, naming what is wrong: ties other than Breslow's, features other than the job's, a
 * cohort under the minimum, a fold number outside the job's folds, and a held-out score with no
 * event (its C-index and deviance are undefined).
 */
export function coxCvSiteStep(params: CoxCvStepParams, rows: SurvivalRows, site: { siteId: string }): CoxCvStepUpdate {
  if (params.ties !== 'breslow') {
    throw new MethodInputError(`Cox tuning is glmnet's Cox, with Breslow's ties; the job asks for "${String(params.ties)}".`, { field: 'params/ties' });
  }
  const n = rows.time.length;
  const min = params.minCohortSize;
  if (n < min) throw new MethodInputError(`Site ${site.siteId} has ${n} patients; the campaign requires at least ${min} under any aggregate.`, { field: 'params/minCohortSize' });
  const { count, fold } = params.folds;
  if (params.folds.scheme !== 'leave-one-site-out' || !(Number.isInteger(fold) && fold >= 0 && fold < count)) {
    throw new MethodInputError(`Cox tuning holds out one site per fold; the job gives this site fold ${fold + 1} of ${count}.`, { field: 'params/folds' });
  }
  const eventCount = rows.event.reduce((a, e) => a + (e ? 1 : 0), 0);
  const base = { sampleCount: n, eventCount };
  const p = params.features.length;
  // The stratified Cox round of one site: value, gradient and Hessian of its own partial likelihood.
  const round = (beta: number[]) =>
    coxSiteStep({ kind: 'cox-round', round: 0, variant: 'stratified', ties: 'breslow', model: { family: 'cox' }, features: params.features, beta, minCohortSize: min }, rows);
  const named = (prefix: string, update: ReturnType<typeof round>) => update.tensors.map((t) => ({ name: `${prefix}${t.name}`, shape: [...t.shape], data: Array.from(t.data) }));
  if (params.phase === 'grid') {
    const at0 = round(new Array<number>(p).fill(0));
    return { ...base, tensors: named('', at0).filter((t) => t.name !== 'hessian').map((t) => (t.name === 'gradient' ? { ...t, name: 'score' } : t)) };
  }
  const beta = params.beta ?? [];
  if (beta.length !== count + 1 || beta.some((b) => b.length !== p)) {
    throw new MethodInputError(`The job's beta must hold ${count + 1} vectors of ${p} coefficients (one per fold and the fit on every site).`, { field: 'params/beta' });
  }
  const tensors: CoxCvStepUpdate['tensors'] = [];
  for (let k = 0; k <= count; k++) {
    if (k === fold || !params.train?.[k]) continue;
    const update = round(beta[k]);
    tensors.push({ name: `fold-${k}/loss`, shape: [1], data: [update.loss ?? Number.NaN] }, ...named(`fold-${k}/`, update));
  }
  if (params.heldOut) {
    if (eventCount === 0) throw new MethodInputError(`Site ${site.siteId} has no event; its held-out ${params.measure === 'C' ? 'C-index' : 'deviance'} is undefined.`, { field: 'params/measure' });
    tensors.push({ name: `fold-${fold}/held-out`, shape: [params.measure === 'C' ? 4 : 2], data: heldOutScore(rows, beta[fold], params.measure) });
  }
  return { ...base, tensors };
}

/**
 * The site's rows scored at β: Harrell's concordance counts (stats' concordanceCounts, the
 * convention of survival::concordance that glmnet's Cindex calls) or the partial-likelihood
 * deviance 2 (ℓ_sat − ℓ(β)) with ℓ_sat = −Σ_t d_t log d_t over distinct event times t with d_t
 * events (glmnet 4.1, coxnet.deviance; Breslow's ℓ).
 */
function heldOutScore(rows: SurvivalRows, beta: number[], measure: CoxCvStepParams['measure']): number[] {
  const p = beta.length;
  const n = rows.time.length;
  const eta = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) eta[i] += rows.x[i * p + j] * beta[j];
  if (measure === 'C') {
    const c = concordanceCounts(Float64Array.from(rows.time), Uint8Array.from(rows.event, (e) => (e ? 1 : 0)), eta);
    return [c.comparable, c.concordant, c.discordant, c.tiedRisk];
  }
  const points = eventTimes(rows.time, rows.event);
  const sums = coxRiskSetSums(rows.x, p, binOfTimes(rows.time, points), rows.event, beta, points.length, { shift: Math.max(...eta) });
  const { loss } = coxPartialLikelihood(sums, beta, 'breslow');
  let saturated = 0;
  for (const d of sums.eventCount) if (d > 0) saturated -= d * Math.log(d);
  const events = rows.event.reduce((a, e) => a + (e ? 1 : 0), 0);
  return [events, 2 * (saturated + loss)];
}
