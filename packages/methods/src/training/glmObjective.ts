import { buildModel, LocalTrainer, type LocalData } from '@fedrad/learn';

/**
 * Sums over one site's rows of the unpenalised (case-weighted, by default unweighted) logistic negative log-likelihood and
 * its derivatives, evaluated by the learning engine's ONNX graphs. Coefficients are intercept
 * first, as the wire orders them (SITE_CHANNEL.md §6).
 */
export interface GlmObjective {
  loss(coef: Float64Array): Promise<number>;
  gradient(coef: Float64Array): Promise<{ loss: number; gradient: Float64Array }>;
  hessian(coef: Float64Array): Promise<{ loss: number; gradient: Float64Array; hessian: Float64Array }>;
  release(): Promise<void>;
}

/** `weight`: each row's case weight in the sums (balanced class weights); every row 1 when absent. */
export async function glmObjective(x: Float64Array, n: number, p: number, label: Float64Array, weight?: Float64Array): Promise<GlmObjective> {
  const data: LocalData = { n, p, x, weight: weight ?? new Float64Array(n).fill(1), label };
  const trainer = await LocalTrainer.create(buildModel({ family: 'logistic', standardize: false }, p), data);
  // learn's θ is the wire's order, [intercept, β₁ … βₚ]: its sums travel as the graphs return them.
  return {
    loss: async (coef) => (await trainer.loss(coef)).loss,
    async gradient(coef) {
      const ev = await trainer.gradient(coef);
      return { loss: ev.loss, gradient: Float64Array.from(ev.gradient!) };
    },
    async hessian(coef) {
      const ev = await trainer.hessian(coef);
      return { loss: ev.loss, gradient: Float64Array.from(ev.gradient!), hessian: Float64Array.from(ev.hessian!) };
    },
    release: () => trainer.release(),
  };
}
