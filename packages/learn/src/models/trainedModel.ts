import type { ResolvedSpec } from './spec.js';
import type { Standardization } from '@fedrad/numeric';
import type { ModelSurvival } from '@fedrad/protocol';

export interface NamedParam {
  name: string;
  shape: [number, number];
  /** Row-major values, on the standardised-feature scale the graph uses. */
  data: number[];
}

/** A fitted model: everything the inference graph and the model card are built from. */
export interface TrainedModel {
  spec: ResolvedSpec;
  featureNames: string[];
  outcome: 'binary' | 'survival';
  standardization: Standardization;
  params: NamedParam[];
  training: {
    n: number;
    /** Positive labels (binary) or observed events (survival). */
    events: number;
    optimizer: string;
    iterations: number;
    converged: boolean;
    objective: number;
    lastChange: number;
    /** MLPs: the settings the fit used, defaults filled in, for the model card. */
    mlp?: { epochs: number; learningRate: number; optimizer: 'adam' | 'sgd'; seed: number };
  };
  /**
   * Cox models: how the partial likelihood was set up and the baseline survival S0 at each horizon;
   * with horizons the inference graph also outputs S(t | x) = S0(t)^exp(η) (model card's `survival`).
   */
  survival?: ModelSurvival;
  /** Youden-optimal probability threshold on the training data (binary models). */
  youdenThreshold?: number;
}

/**
 * Coefficients of a linear model on the original feature scale:
 * β_j = β*_j / s_j and b = b* − Σ_j β*_j m_j / s_j (undoing x* = (x − m)/s, as glmnet reports them).
 */
export function originalScaleCoefficients(model: TrainedModel): { intercept: number; beta: number[] } {
  const beta = model.params.find((p) => p.name === 'beta');
  if (!beta) throw new Error(`${model.spec.family} has no linear coefficients`);
  const { mean, scale } = model.standardization;
  const b = beta.data.map((v, j) => v / scale[j]);
  const b0 = model.params.find((p) => p.name === 'intercept')?.data[0] ?? 0;
  return { intercept: b0 - b.reduce((a, v, j) => a + v * mean[j], 0), beta: b };
}
