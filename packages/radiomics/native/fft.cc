#include "fft.h"

#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

namespace fedrad {
namespace {

struct Plan {
  std::size_t n;
  std::vector<int> radices;
  std::vector<double> cos, sin;  // cos(2 pi k/n), -sin(2 pi k/n)
};

// One plan cache per thread: cohort workers run cases concurrently in one process.
const Plan& planFor(std::size_t n) {
  thread_local std::map<std::size_t, std::unique_ptr<Plan>> plans;
  auto& slot = plans[n];
  if (slot) return *slot;
  auto plan = std::make_unique<Plan>();
  plan->n = n;
  std::size_t r = n;
  while (r % 4 == 0) { plan->radices.push_back(4); r /= 4; }
  while (r % 2 == 0) { plan->radices.push_back(2); r /= 2; }
  while (r % 3 == 0) { plan->radices.push_back(3); r /= 3; }
  while (r % 5 == 0) { plan->radices.push_back(5); r /= 5; }
  if (r != 1) throw std::invalid_argument("FFT length " + std::to_string(n) + " has a prime factor above 5");
  plan->cos.resize(n);
  plan->sin.resize(n);
  for (std::size_t k = 0; k < n; k++) {
    plan->cos[k] = std::cos(2 * M_PI * double(k) / double(n));
    plan->sin[k] = -std::sin(2 * M_PI * double(k) / double(n));
  }
  slot = std::move(plan);
  return *slot;
}

const double C3 = -0.5, S3 = -std::sqrt(3.0) / 2;
const double C51 = std::cos(2 * M_PI / 5), C52 = std::cos(4 * M_PI / 5);
const double S51 = -std::sin(2 * M_PI / 5), S52 = -std::sin(4 * M_PI / 5);

// One Stockham step of radix R: m butterflies of stride s, B lines each; decimation in frequency
// (output k of the butterfly is multiplied by the twiddle w^{k p tw}).
struct Step {
  const double *xr, *xi;
  double *yr, *yi;
  std::size_t m, s, B, tw, n;
  const double *cos, *sin;
};

inline void twiddle(double u, double v, std::size_t w, const Step& st, double& outR, double& outI) {
  const double wr = st.cos[w], wi = st.sin[w];
  outR = u * wr - v * wi;
  outI = u * wi + v * wr;
}

void stage2(const Step& st) {
  const std::size_t sm = st.s * st.m * st.B, so = st.s * st.B;
  for (std::size_t p = 0; p < st.m; p++) {
    const std::size_t w1 = (p * st.tw) % st.n;
    for (std::size_t q = 0; q < st.s; q++) {
      const std::size_t i0 = (q + st.s * p) * st.B, o0 = (q + st.s * 2 * p) * st.B;
      for (std::size_t b = 0; b < st.B; b++) {
        const std::size_t ia = i0 + b, oa = o0 + b;
        const double ar = st.xr[ia], ai = st.xi[ia], br = st.xr[ia + sm], bi = st.xi[ia + sm];
        st.yr[oa] = ar + br; st.yi[oa] = ai + bi;
        twiddle(ar - br, ai - bi, w1, st, st.yr[oa + so], st.yi[oa + so]);
      }
    }
  }
}

void stage3(const Step& st) {
  const std::size_t sm = st.s * st.m * st.B, so = st.s * st.B;
  for (std::size_t p = 0; p < st.m; p++) {
    const std::size_t w1 = (p * st.tw) % st.n, w2 = (2 * p * st.tw) % st.n;
    for (std::size_t q = 0; q < st.s; q++) {
      const std::size_t i0 = (q + st.s * p) * st.B, o0 = (q + st.s * 3 * p) * st.B;
      for (std::size_t b = 0; b < st.B; b++) {
        const std::size_t ia = i0 + b, oa = o0 + b;
        const double ar = st.xr[ia], ai = st.xi[ia];
        const double br = st.xr[ia + sm], bi = st.xi[ia + sm];
        const double cr = st.xr[ia + 2 * sm], ci = st.xi[ia + 2 * sm];
        const double sr = br + cr, si = bi + ci, dr = br - cr, di = bi - ci;
        st.yr[oa] = ar + sr; st.yi[oa] = ai + si;
        const double mr = ar + C3 * sr, mi = ai + C3 * si;
        twiddle(mr - S3 * di, mi + S3 * dr, w1, st, st.yr[oa + so], st.yi[oa + so]);
        twiddle(mr + S3 * di, mi - S3 * dr, w2, st, st.yr[oa + 2 * so], st.yi[oa + 2 * so]);
      }
    }
  }
}

void stage4(const Step& st) {
  const std::size_t sm = st.s * st.m * st.B, so = st.s * st.B;
  for (std::size_t p = 0; p < st.m; p++) {
    const std::size_t w1 = (p * st.tw) % st.n, w2 = (2 * p * st.tw) % st.n, w3 = (3 * p * st.tw) % st.n;
    for (std::size_t q = 0; q < st.s; q++) {
      const std::size_t i0 = (q + st.s * p) * st.B, o0 = (q + st.s * 4 * p) * st.B;
      for (std::size_t b = 0; b < st.B; b++) {
        const std::size_t ia = i0 + b, oa = o0 + b;
        const double ar = st.xr[ia], ai = st.xi[ia];
        const double br = st.xr[ia + sm], bi = st.xi[ia + sm];
        const double cr = st.xr[ia + 2 * sm], ci = st.xi[ia + 2 * sm];
        const double dr = st.xr[ia + 3 * sm], di = st.xi[ia + 3 * sm];
        const double t0r = ar + cr, t0i = ai + ci, t1r = ar - cr, t1i = ai - ci;
        const double t2r = br + dr, t2i = bi + di, t3r = br - dr, t3i = bi - di;
        st.yr[oa] = t0r + t2r; st.yi[oa] = t0i + t2i;
        twiddle(t1r + t3i, t1i - t3r, w1, st, st.yr[oa + so], st.yi[oa + so]);
        twiddle(t0r - t2r, t0i - t2i, w2, st, st.yr[oa + 2 * so], st.yi[oa + 2 * so]);
        twiddle(t1r - t3i, t1i + t3r, w3, st, st.yr[oa + 3 * so], st.yi[oa + 3 * so]);
      }
    }
  }
}

void stage5(const Step& st) {
  const std::size_t sm = st.s * st.m * st.B, so = st.s * st.B;
  for (std::size_t p = 0; p < st.m; p++) {
    const std::size_t w1 = (p * st.tw) % st.n, w2 = (2 * p * st.tw) % st.n;
    const std::size_t w3 = (3 * p * st.tw) % st.n, w4 = (4 * p * st.tw) % st.n;
    for (std::size_t q = 0; q < st.s; q++) {
      const std::size_t i0 = (q + st.s * p) * st.B, o0 = (q + st.s * 5 * p) * st.B;
      for (std::size_t b = 0; b < st.B; b++) {
        const std::size_t ia = i0 + b, oa = o0 + b;
        const double ar = st.xr[ia], ai = st.xi[ia];
        const double br = st.xr[ia + sm], bi = st.xi[ia + sm];
        const double cr = st.xr[ia + 2 * sm], ci = st.xi[ia + 2 * sm];
        const double dr = st.xr[ia + 3 * sm], di = st.xi[ia + 3 * sm];
        const double er = st.xr[ia + 4 * sm], ei = st.xi[ia + 4 * sm];
        const double s1r = br + er, s1i = bi + ei, d1r = br - er, d1i = bi - ei;
        const double s2r = cr + dr, s2i = ci + di, d2r = cr - dr, d2i = ci - di;
        st.yr[oa] = ar + s1r + s2r; st.yi[oa] = ai + s1i + s2i;
        const double m1r = ar + C51 * s1r + C52 * s2r, m1i = ai + C51 * s1i + C52 * s2i;
        const double m2r = ar + C52 * s1r + C51 * s2r, m2i = ai + C52 * s1i + C51 * s2i;
        const double n1r = -(S51 * d1i + S52 * d2i), n1i = S51 * d1r + S52 * d2r;
        const double n2r = -(S52 * d1i - S51 * d2i), n2i = S52 * d1r - S51 * d2r;
        twiddle(m1r + n1r, m1i + n1i, w1, st, st.yr[oa + so], st.yi[oa + so]);
        twiddle(m2r + n2r, m2i + n2i, w2, st, st.yr[oa + 2 * so], st.yi[oa + 2 * so]);
        twiddle(m2r - n2r, m2i - n2i, w3, st, st.yr[oa + 3 * so], st.yi[oa + 3 * so]);
        twiddle(m1r - n1r, m1i - n1i, w4, st, st.yr[oa + 4 * so], st.yi[oa + 4 * so]);
      }
    }
  }
}

}  // namespace

std::size_t fastLength(std::size_t n) {
  for (std::size_t m = n < 1 ? 1 : n;; m++) {
    std::size_t r = m;
    for (std::size_t p : {2, 3, 5}) while (r % p == 0) r /= p;
    if (r == 1) return m;
  }
}

void fftBatch(double* re, double* im, std::size_t n, std::size_t batch, double* scratchRe, double* scratchIm) {
  if (n <= 1) return;
  const Plan& plan = planFor(n);
  double *xr = re, *xi = im, *yr = scratchRe, *yi = scratchIm;
  std::size_t len = n, s = 1;
  for (int radix : plan.radices) {
    const std::size_t m = len / radix;
    const Step st{xr, xi, yr, yi, m, s, batch, n / len, n, plan.cos.data(), plan.sin.data()};
    switch (radix) {
      case 4: stage4(st); break;
      case 2: stage2(st); break;
      case 3: stage3(st); break;
      default: stage5(st); break;
    }
    std::swap(xr, yr);
    std::swap(xi, yi);
    len = m;
    s *= radix;
  }
  if (xr != re) {
    std::memcpy(re, xr, n * batch * sizeof(double));
    std::memcpy(im, xi, n * batch * sizeof(double));
  }
}

}  // namespace fedrad
