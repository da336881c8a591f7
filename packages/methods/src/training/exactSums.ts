import { glmObjective } from './glmObjective.js';
import type { TrainingRows } from './trainingRows.js';

/** A site's sufficient statistics for exact aggregation (SITE_CHANNEL.md §6), intercept first. */
export interface ExactSums {
  /** Σᵢ (σ(x̃ᵢᵀβ) − yᵢ) x̃ᵢ, length p + 1. */
  gradient: number[];
  /** Σᵢ σ(1 − σ) x̃ᵢ x̃ᵢᵀ, row-major (p + 1)²; only with the Hessian. */
  hessian?: number[];
  /** Σᵢ xᵢⱼ and Σᵢ xᵢⱼ², length p: the coordinator standardises with the pooled moments. */
  featureSum: number[];
  featureSumSq: number[];
  /** Σᵢ ℓᵢ(β), the unpenalised negative log-likelihood. */
  loss: number;
}

/**
 * The site half of exact-newton and exact-gradient: no training, only sums over the site's
 * patients at the global coefficients, evaluated by the learning engine's ONNX graphs on raw
 * features. The coordinator adds the sites' sums and takes the penalised step, so the federated
 * fit equals the pooled one.
 */
export async function exactSums(rows: TrainingRows, coef: ArrayLike<number>, withHessian: boolean): Promise<ExactSums> {
  const n = rows.label.length;
  const p = rows.featureNames.length;
  const objective = await glmObjective(rows.x, n, p, rows.label);
  try {
    const beta = Float64Array.from(coef);
    const ev: { loss: number; gradient: Float64Array; hessian?: Float64Array } = withHessian ? await objective.hessian(beta) : await objective.gradient(beta);
    const featureSum = new Array(p).fill(0);
    const featureSumSq = new Array(p).fill(0);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < p; j++) {
        const v = rows.x[i * p + j];
        featureSum[j] += v;
        featureSumSq[j] += v * v;
      }
    }
    const hessian = ev.hessian ? Array.from(ev.hessian) : undefined;
    return { gradient: Array.from(ev.gradient), hessian, featureSum, featureSumSq, loss: ev.loss };
  } finally {
    await objective.release();
  }
}
