/**
 * Soft-thresholding S(z, t) = sign(z) (|z| − t)₊, the proximal map of t|·| (Friedman, Hastie &
 * Tibshirani 2010, J Stat Softw 33(1), eq. 6): the lasso part of every elastic-net update.
 */
export const softThreshold = (z: number, t: number): number => (z > t ? z - t : z < -t ? z + t : 0);
