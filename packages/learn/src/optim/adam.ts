/**
 * Adam (Kingma & Ba 2015, Algorithm 1):
 *   m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  θ ← θ − α m̂ / (√v̂ + ε)
 * with bias-corrected m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ).
 */
export class Adam {
  private m: Float64Array | undefined;
  private v: Float64Array | undefined;
  private t = 0;
  constructor(readonly learningRate = 1e-3, readonly beta1 = 0.9, readonly beta2 = 0.999, readonly epsilon = 1e-8) {}

  step(theta: Float64Array, gradient: Float64Array): Float64Array {
    this.m ??= new Float64Array(theta.length);
    this.v ??= new Float64Array(theta.length);
    this.t++;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    for (let k = 0; k < theta.length; k++) {
      const g = gradient[k];
      this.m[k] = this.beta1 * this.m[k] + (1 - this.beta1) * g;
      this.v[k] = this.beta2 * this.v[k] + (1 - this.beta2) * g * g;
      theta[k] -= (this.learningRate * (this.m[k] / c1)) / (Math.sqrt(this.v[k] / c2) + this.epsilon);
    }
    return theta;
  }
}
