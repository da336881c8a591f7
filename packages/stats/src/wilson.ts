import { zCritical } from '@fedrad/numeric';
import { checkLevel } from './inputs.js';

export interface Proportion {
  estimate: number;
  lower: number;
  upper: number;
  level: number;
  successes: number;
  total: number;
}

/**
 * Wilson score interval (Wilson 1927; Newcombe 1998 method 3), the interval of R's
 * prop.test(x, n, correct = FALSE):
 *   (p̂ + z²/2n ± z √(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n)
 * An empty denominator gives estimate NaN and the whole [0, 1].
 */
export function wilsonInterval(successes: number, total: number, level = 0.95): Proportion {
  checkLevel(level);
  if (total === 0) return { estimate: NaN, lower: 0, upper: 1, level, successes, total };
  const z = zCritical(level);
  const p = successes / total;
  const z2 = z * z;
  const centre = p + z2 / (2 * total);
  const half = z * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total));
  const denom = 1 + z2 / total;
  return {
    estimate: p,
    lower: Math.max(0, (centre - half) / denom),
    upper: Math.min(1, (centre + half) / denom),
    level,
    successes,
    total,
  };
}
