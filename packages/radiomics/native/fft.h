// Mixed-radix (2, 3, 4, 5) Stockham FFT over batches of interleaved lines: the native twin of
// src/math/fft.ts, so that the all-pairs sums of Moran's I and Geary's C run at compiled speed
// from a process's first case instead of after the JIT has warmed up.
#pragma once
#include <cstddef>
#include <vector>

namespace fedrad {

/** Smallest length >= n with no prime factor above 5. */
std::size_t fastLength(std::size_t n);

/**
 * In-place forward DFT X_k = sum_j x_j e^{-2 pi i jk/n} of `batch` interleaved lines: element j
 * of line b sits at j*batch + b. `scratchRe`/`scratchIm` hold at least n*batch values.
 */
void fftBatch(double* re, double* im, std::size_t n, std::size_t batch, double* scratchRe, double* scratchIm);

}  // namespace fedrad
