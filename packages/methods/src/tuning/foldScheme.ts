import { SeededRandom } from '@fedrad/numeric';
import { MethodInputError } from '../errors.js';
import type { TuningRows } from './tuningRows.js';

/**
 * How rows are split into folds. Leave-one-site-out: fold k is every row of the k-th site (site
 * ids sorted), so each site's rows are held out once and the model is trained on the others — the
 * external-validation split. K-fold within sites: each site splits its own rows into `count` folds
 * from the seed, and fold k is the union of the sites' k-th parts (stratified by site). None: no
 * fold, only the fit on every row (a regularisation path, as selection's LASSO step needs).
 */
export type FoldScheme = { scheme: 'leave-one-site-out' } | { scheme: 'kfold'; count: number; seed: number } | { scheme: 'none' };

/** What a site is told: the scheme, and with leave-one-site-out the fold its rows form. */
export type SiteFolds = { scheme: 'leave-one-site-out'; count: number; fold: number } | { scheme: 'kfold'; count: number; seed: number } | { scheme: 'none'; count: 0 };

/**
 * The fold of each of the site's rows (logistic or survival; Cox tuning splits as the logistic does): the rows' own when they carry them (a foldid table), else
 * the site's fold (leave-one-site-out) or a seeded shuffle of 0, 1, …, K − 1, 0, 1, … (as
 * cv.glmnet's sample(rep(seq(nfolds), length = N)), with FedRad's seeded generator).
 */
export function foldAssignment(rows: Pick<TuningRows, 'fold'> & ({ label: ArrayLike<number> } | { time: ArrayLike<number> }), folds: SiteFolds): Int32Array {
  const n = 'label' in rows ? rows.label.length : rows.time.length;
  if (folds.scheme === 'none') return new Int32Array(n).fill(-1);
  if (rows.fold) {
    const bad = rows.fold.findIndex((f) => !(f >= 0 && f < folds.count));
    if (bad >= 0) throw new MethodInputError(`Row ${bad + 1} is given fold ${rows.fold[bad] + 1}; the job has folds 1 to ${folds.count}.`, { field: 'params/folds' });
    return rows.fold;
  }
  if (folds.scheme === 'leave-one-site-out') return new Int32Array(n).fill(folds.fold);
  const out = Int32Array.from({ length: n }, (_, i) => i % folds.count);
  const random = new SeededRandom(folds.seed);
  // Fisher–Yates (Knuth, TAOCP vol. 2, §3.4.2, Algorithm P).
  for (let i = n - 1; i > 0; i--) {
    const j = random.nextInt(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
