import { mulberry32 } from '@fedrad/numeric';

/**
 * A site's seeded validation split for early stopping: within each class, the rows are shuffled
 * (Fisher–Yates with numeric's mulberry32 from `seed`) and the first round(fraction · n_class)
 * held out, so both classes keep their share in each part. The same seed gives the same split in
 * every round. Row indices ascending.
 */
export function validationSplit(label: ArrayLike<number>, fraction: number, seed: number): { train: number[]; validation: number[] } {
  const random = mulberry32(seed);
  const train: number[] = [];
  const validation: number[] = [];
  for (const cls of [0, 1]) {
    const rows: number[] = [];
    for (let i = 0; i < label.length; i++) if (label[i] === cls) rows.push(i);
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [rows[i], rows[j]] = [rows[j], rows[i]];
    }
    const held = Math.round(fraction * rows.length);
    validation.push(...rows.slice(0, held));
    train.push(...rows.slice(held));
  }
  return { train: train.sort((a, b) => a - b), validation: validation.sort((a, b) => a - b) };
}
