/**
 * What an optimiser needs from the data: sums over cases of the loss, its gradient and (for
 * Newton) its Hessian, plus the total case weight. A LocalTrainer provides it for one site; a
 * federation runtime provides it by adding the sites' sums (exact aggregation: the sum of site
 * gradients/Hessians is the pooled gradient/Hessian).
 */
export interface Evaluation {
  loss: number;
  gradient?: Float64Array;
  /** Row-major P × P. */
  hessian?: Float64Array;
  weightSum: number;
}

export interface Objective {
  paramCount: number;
  /** False when `hessian` exists but cannot be evaluated (a LocalTrainer for an MLP). */
  hasHessian?: boolean;
  loss(theta: Float64Array): Promise<Evaluation>;
  gradient(theta: Float64Array): Promise<Evaluation>;
  hessian?(theta: Float64Array): Promise<Evaluation>;
}

/** Adds site evaluations (for exact federated aggregation). */
export function sumEvaluations(evals: Evaluation[]): Evaluation {
  const out: Evaluation = { loss: 0, weightSum: 0 };
  for (const e of evals) {
    out.loss += e.loss;
    out.weightSum += e.weightSum;
    if (e.gradient) {
      out.gradient ??= new Float64Array(e.gradient.length);
      for (let k = 0; k < e.gradient.length; k++) out.gradient[k] += e.gradient[k];
    }
    if (e.hessian) {
      out.hessian ??= new Float64Array(e.hessian.length);
      for (let k = 0; k < e.hessian.length; k++) out.hessian[k] += e.hessian[k];
    }
  }
  return out;
}

/**
 * An objective whose sums are the sums over several objectives (e.g. one LocalTrainer per
 * site, evaluated at the same θ). Gradients and Hessians are additive over cases, so an
 * optimiser run on this is exactly the pooled fit — the basis of exact federated Newton.
 */
export function sumObjectives(parts: Objective[]): Objective {
  const P = parts[0].paramCount;
  if (parts.some((o) => o.paramCount !== P)) throw new Error('every part must have the same parameters');
  const all = async (f: (o: Objective) => Promise<Evaluation>) => sumEvaluations(await Promise.all(parts.map(f)));
  return {
    paramCount: P,
    loss: (theta) => all((o) => o.loss(theta)),
    gradient: (theta) => all((o) => o.gradient(theta)),
    ...(parts.every((o) => o.hessian && o.hasHessian !== false) ? { hessian: (theta: Float64Array) => all((o) => o.hessian!(theta)) } : {}),
  };
}
