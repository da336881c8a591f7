import { coxPartialLikelihood, coxRiskSetSums } from '@fedrad/numeric';
import { concordanceCounts } from '@fedrad/stats';
import { coxSiteStep } from '../cox/coxSiteStep.js';
import type { SurvivalRows } from '../cox/survivalRows.js';
import { binOfTimes, eventTimes } from '../cox/timeBins.js';
import { MethodInputError } from '../errors.js';
import type { CoxCvStepParams, CoxCvStepUpdate } from './coxCvStep.js';
import { foldAssignment } from './foldScheme.js';
import type { CoxTuningRows } from './tuningRows.js';

/**
 * The site half of federated Cox tuning: sums over the site's own rows only (see CoxCvStepParams).
 * Refuses, naming what is wrong: ties other than Breslow's, features other than the job's, a
 * cohort under the minimum, a fold number outside the job's folds, a held-out site with no event
 * (its C-index and deviance are undefined), and with K folds a fold whose training or held-out part
 * at this site is non-empty but under the minimum, or a C-index (it would rank pairs across sites).
 */
export function coxCvSiteStep(params: CoxCvStepParams, rows: CoxTuningRows, site: { siteId: string }): CoxCvStepUpdate {
  if (params.ties !== 'breslow') {
    throw new MethodInputError(`Cox tuning is glmnet's Cox, with Breslow's ties; the job asks for "${String(params.ties)}".`, { field: 'params/ties' });
  }
  const n = rows.time.length;
  const min = params.minCohortSize;
  if (n < min) throw new MethodInputError(`Site ${site.siteId} has ${n} patients; the campaign requires at least ${min} under any aggregate.`, { field: 'params/minCohortSize' });
  const { count } = params.folds;
  const fold = params.folds.scheme === 'leave-one-site-out' ? params.folds.fold : -1;
  if (params.folds.scheme === 'kfold') {
    if (!(Number.isInteger(count) && count >= 2)) throw new MethodInputError(`K-fold Cox tuning needs at least 2 folds; the job gives ${count}.`, { field: 'params/folds' });
    if (params.measure !== 'deviance') throw new MethodInputError("With K folds within sites a held-out fold spans sites, and cv.glmnet's C-index ranks its pairs across sites: Cox K-fold tuning is scored by the deviance only.", { field: 'params/measure' });
  } else if (params.folds.scheme !== 'leave-one-site-out' || !(Number.isInteger(fold) && fold >= 0 && fold < count)) {
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
  if (params.folds.scheme === 'kfold') return { ...base, tensors: kfoldTensors(params, rows, site.siteId) };
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
 * K folds within the site (foldAssignment, as the logistic tuning splits): per fold k to train, the
 * stratified round over the site's rows outside fold k (all rows for fold K) and their count; per
 * fold k to score, its held-out events and the site's stratum's share of cv.glmnet's grouped Cox
 * deviance, D(all rows; β_k) − D(training rows; β_k) (glmnet 4.1, buildPredmat.coxnetlist: plfull −
 * plminusk, each stratified, so a sum over the sites' strata). A part under the minimum is refused.
 */
function kfoldTensors(params: CoxCvStepParams, rows: CoxTuningRows, siteId: string): CoxCvStepUpdate['tensors'] {
  const min = params.minCohortSize;
  const count = params.folds.count;
  const beta = params.beta!;
  const fold = foldAssignment(rows, params.folds);
  const tensors: CoxCvStepUpdate['tensors'] = [];
  for (let k = 0; k <= count; k++) {
    const heldOutRows = k < count ? fold.reduce((a, f) => a + (f === k ? 1 : 0), 0) : 0;
    const training = subset(rows, (i) => fold[i] !== k);
    const refuseSmall = (size: number, part: string) => {
      if (size > 0 && size < min) {
        throw new MethodInputError(`Site ${siteId} has ${size} patients in the ${part} of fold ${k + 1}; a sum over fewer than ${min} may not leave the site (use fewer folds).`, { field: 'params/folds' });
      }
    };
    if (params.train?.[k] && training.time.length > 0) {
      refuseSmall(training.time.length, 'training part');
      const update = coxSiteStep({ kind: 'cox-round', round: 0, variant: 'stratified', ties: 'breslow', model: { family: 'cox' }, features: params.features, beta: beta[k], minCohortSize: min }, training);
      tensors.push({ name: `fold-${k}/count`, shape: [1], data: [training.time.length] }, { name: `fold-${k}/loss`, shape: [1], data: [update.loss ?? Number.NaN] });
      tensors.push(...update.tensors.map((t) => ({ name: `fold-${k}/${t.name}`, shape: [...t.shape], data: Array.from(t.data) })));
    }
    if (params.heldOut && heldOutRows > 0) {
      refuseSmall(heldOutRows, 'held-out part');
      const [events, all] = heldOutScore(rows, beta[k], 'deviance');
      const [trainingEvents, trained] = training.time.length > 0 ? heldOutScore(training, beta[k], 'deviance') : [0, 0];
      tensors.push({ name: `fold-${k}/held-out`, shape: [2], data: [events - trainingEvents, all - trained] });
    }
  }
  return tensors;
}

/** The rows `take` selects. */
function subset(rows: SurvivalRows, take: (i: number) => boolean): SurvivalRows {
  const p = rows.featureNames.length;
  const chosen = [...rows.time.keys()].filter(take);
  const x = new Float64Array(chosen.length * p);
  chosen.forEach((i, r) => x.set(rows.x.subarray(i * p, (i + 1) * p), r * p));
  return { featureNames: rows.featureNames, x, time: Float64Array.from(chosen, (i) => rows.time[i]), event: Float64Array.from(chosen, (i) => rows.event[i]) };
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
