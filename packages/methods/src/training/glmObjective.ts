import { buildModel, LocalTrainer, type LocalData } from '@fedrad/learn';

/**
 * Sums over one site's rows of the unpenalised, unweighted logistic negative log-likelihood and
 * its derivatives, evaluated by the learning engine's ONNX graphs. Coefficients are intercept
 * first, as the wire orders them (SITE_CHANNEL.md §6).
 */
export interface GlmObjective {
  loss(coef: Float64Array): Promise<number>;
  gradient(coef: Float64Array): Promise<{ loss: number; gradient: Float64Array }>;
  hessian(coef: Float64Array): Promise<{ loss: number; gradient: Float64Array; hessian: Float64Array }>;
  release(): Promise<void>;
}

export async function glmObjective(x: Float64Array, n: number, p: number, label: Float64Array): Promise<GlmObjective> {
  const data: LocalData = { n, p, x, weight: new Float64Array(n).fill(1), label };
  const trainer = await LocalTrainer.create(buildModel({ family: 'logistic', standardize: false }, p), data);
  return interceptFirst(trainer, p);
}

/**
 * learn orders θ as [β₁ … βₚ, intercept]; the wire as [intercept, β₁ … βₚ]. The only place the two
 * orders meet: once learn is intercept-first this adapter is the identity and goes.
 */
function interceptFirst(trainer: LocalTrainer, p: number): GlmObjective {
  const P = p + 1;
  const learnIndex = (k: number) => (k === 0 ? p : k - 1);
  const toLearn = (coef: Float64Array) => Float64Array.from({ length: P }, (_, k) => coef[k === p ? 0 : k + 1]);
  const toWire = (theta: ArrayLike<number>) => Float64Array.from({ length: P }, (_, k) => theta[learnIndex(k)]);
  return {
    async loss(coef) {
      return (await trainer.loss(toLearn(coef))).loss;
    },
    async gradient(coef) {
      const ev = await trainer.gradient(toLearn(coef));
      return { loss: ev.loss, gradient: toWire(ev.gradient!) };
    },
    async hessian(coef) {
      const ev = await trainer.hessian(toLearn(coef));
      const hessian = new Float64Array(P * P);
      for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) hessian[a * P + b] = ev.hessian![learnIndex(a) * P + learnIndex(b)];
      return { loss: ev.loss, gradient: toWire(ev.gradient!), hessian };
    },
    release: () => trainer.release(),
  };
}
