/**
 * ComBat's empirical-Bayes shrinkage of one batch's location and scale effects (Johnson, Li &
 * Rabinovic 2007, Biostatistics 8(1):118–127, §2.3 and the appendix), written as sva::ComBat
 * computes it, so that both the pooled and the federated path share it and equal sva.
 *
 * Its only contact with the data is `sumSq(f, c)` = Σᵢ (sᵢf − c)² over the batch's standardised
 * rows: the pooled path sums the rows, the federated one uses (n − 1)·var + n(mean − c)², which the
 * site's summaries give.
 */
export interface BatchEffects {
  /** Cases in the batch. */
  n: number;
  /** γ̂: the batch's mean of each standardised feature. */
  gammaHat: Float64Array;
  /** δ̂: the batch's variance (n − 1) of each standardised feature. */
  deltaHat: Float64Array;
  /** Σᵢ (sᵢf − c)² over the batch's standardised rows. */
  sumSq: (feature: number, center: number) => number;
}

export interface EmpiricalBayesOptions {
  /** Adjust location only (δ* = 1), sva's mean.only. */
  meanOnly: boolean;
  /** Johnson et al.'s non-parametric prior (sva's par.prior = FALSE) instead of normal / inverse-gamma priors. */
  nonParametric: boolean;
}

export interface BatchAdjustment {
  gammaStar: Float64Array;
  deltaStar: Float64Array;
}

/** sva's convergence tolerance of the parametric iteration (it.sol, conv = 1e-4). */
const CONVERGENCE = 1e-4;

export function shrinkBatchEffects(batch: BatchEffects, options: EmpiricalBayesOptions): BatchAdjustment {
  const p = batch.gammaHat.length;
  const deltaHat = options.meanOnly ? new Float64Array(p).fill(1) : batch.deltaHat;
  if (options.nonParametric) return nonParametric(batch, deltaHat);
  // Hyper-parameters over the batch's features (Johnson et al. 2007, §2.3): γ ~ N(γ̄, τ²), δ ~ InvGamma(a, b) by moments.
  const gammaBar = mean(batch.gammaHat);
  const t2 = variance(batch.gammaHat, gammaBar);
  if (options.meanOnly) {
    // sva's mean.only: postmean with n = 1 and δ = 1.
    const gammaStar = batch.gammaHat.map((g) => posteriorMean(g, gammaBar, 1, 1, t2));
    return { gammaStar, deltaStar: new Float64Array(p).fill(1) };
  }
  const dBar = mean(deltaHat);
  const s2 = variance(deltaHat, dBar);
  const a = (2 * s2 + dBar * dBar) / s2; // sva aprior
  const b = (dBar * s2 + dBar ** 3) / s2; // sva bprior
  return iterate(batch, gammaBar, t2, a, b);
}

/** (τ²nγ̂ + δγ̄)/(τ²n + δ): the posterior mean of γ given δ (Johnson et al. 2007, eq. A.2; sva postmean). */
const posteriorMean = (gammaHat: number, gammaBar: number, n: number, delta: number, t2: number) => (t2 * n * gammaHat + delta * gammaBar) / (t2 * n + delta);

/** sva's it.sol: alternate the conditional posterior means of γ and δ until both change by less than 1e-4 (relatively). */
function iterate(batch: BatchEffects, gammaBar: number, t2: number, a: number, b: number): BatchAdjustment {
  const p = batch.gammaHat.length;
  const n = batch.n;
  let gOld = Float64Array.from(batch.gammaHat);
  let dOld = Float64Array.from(batch.deltaHat);
  for (let change = 1; change > CONVERGENCE;) {
    const gNew = new Float64Array(p);
    const dNew = new Float64Array(p);
    change = -Infinity;
    for (let f = 0; f < p; f++) {
      gNew[f] = posteriorMean(batch.gammaHat[f], gammaBar, n, dOld[f], t2);
      // Posterior mean of δ given γ (eq. A.3; sva postvar): (½Σ(s − γ)² + b)/(n/2 + a − 1).
      dNew[f] = (0.5 * batch.sumSq(f, gNew[f]) + b) / (n / 2 + a - 1);
    }
    // sva divides by the signed old value: a negative γ's relative change counts as negative.
    for (let f = 0; f < p; f++) change = Math.max(change, Math.abs(gNew[f] - gOld[f]) / gOld[f], Math.abs(dNew[f] - dOld[f]) / dOld[f]);
    gOld = gNew;
    dOld = dNew;
  }
  return { gammaStar: gOld, deltaStar: dOld };
}

/**
 * sva's int.eprior: each feature's γ*, δ* are the averages of the other features' γ̂, δ̂ weighted by
 * the likelihood of this feature's data under them, L = (2πδ)^(−n/2) exp(−Σ(s − γ)²/(2δ)). The
 * weights are formed in log space (the same ratio; sva's product underflows to 0/0 for large n).
 */
function nonParametric(batch: BatchEffects, deltaHat: Float64Array): BatchAdjustment {
  const p = batch.gammaHat.length;
  const n = batch.n;
  const gammaStar = new Float64Array(p);
  const deltaStar = new Float64Array(p);
  const logLikelihood = new Float64Array(p);
  for (let f = 0; f < p; f++) {
    let top = -Infinity;
    for (let k = 0; k < p; k++) {
      if (k === f) continue;
      const d = deltaHat[k];
      logLikelihood[k] = (-n / 2) * Math.log(2 * Math.PI * d) - batch.sumSq(f, batch.gammaHat[k]) / (2 * d);
      if (logLikelihood[k] > top) top = logLikelihood[k];
    }
    let weight = 0;
    let g = 0;
    let dd = 0;
    for (let k = 0; k < p; k++) {
      if (k === f) continue;
      const w = Math.exp(logLikelihood[k] - top);
      weight += w;
      g += w * batch.gammaHat[k];
      dd += w * deltaHat[k];
    }
    gammaStar[f] = g / weight;
    deltaStar[f] = dd / weight;
  }
  return { gammaStar, deltaStar };
}

function mean(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += x;
  return s / v.length;
}

function variance(v: Float64Array, m: number): number {
  let s = 0;
  for (const x of v) s += (x - m) ** 2;
  return s / (v.length - 1);
}
