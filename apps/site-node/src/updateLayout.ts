import type { TrainRoundParams } from '@fedrad/protocol';

/** Tensor name → shape: everything a model update may carry, nothing more. */
export type TensorLayout = Readonly<Record<string, readonly number[]>>;

/**
 * The tensors a train-round's model update holds under its strategy, for p features
 * (apps/coordinator/SITE_CHANNEL.md §6, the table "what the update must hold"). The egress
 * guard holds every update to this layout, so an extra tensor or a longer one — a place where
 * per-patient values could ride along with n + 1 entries — cannot leave.
 */
export function modelUpdateLayout(strategy: TrainRoundParams['strategy'], featureCount: number): TensorLayout {
  const p = featureCount;
  switch (strategy) {
    case 'exact-newton':
      return { gradient: [p + 1], hessian: [p + 1, p + 1], 'feature-sum': [p], 'feature-sumsq': [p] };
    case 'exact-gradient':
      return { gradient: [p + 1], 'feature-sum': [p], 'feature-sumsq': [p] };
    default:
      return { coef: [p + 1] };
  }
}
