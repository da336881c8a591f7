import type { SurvivalRows } from '../cox/survivalRows.js';
import type { TrainingRows } from '../training/trainingRows.js';

/**
 * One site's rows for cross-validation: the training rows, and optionally the fold of each row
 * (0-based), as cv.glmnet's `foldid` fixes them. Without it the site draws its folds itself from the
 * job's seed (foldAssignment.ts). Only the site holds them.
 */
export interface TuningRows extends TrainingRows {
  fold?: Int32Array;
}

/** One site's survival rows for Cox tuning, optionally with each row's fold (0-based), as TuningRows. */
export interface CoxTuningRows extends SurvivalRows {
  fold?: Int32Array;
}
