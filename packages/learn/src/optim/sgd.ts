/**
 * Stochastic gradient descent with (heavy-ball) momentum:
 *   v ← μ v + g,  θ ← θ − η v   (Polyak 1964; the form PyTorch's SGD uses).
 */
export class SgdMomentum {
  private velocity: Float64Array | undefined;
  constructor(readonly learningRate: number, readonly momentum = 0.9) {}

  step(theta: Float64Array, gradient: Float64Array): Float64Array {
    this.velocity ??= new Float64Array(theta.length);
    const v = this.velocity;
    for (let k = 0; k < theta.length; k++) {
      v[k] = this.momentum * v[k] + gradient[k];
      theta[k] -= this.learningRate * v[k];
    }
    return theta;
  }
}
