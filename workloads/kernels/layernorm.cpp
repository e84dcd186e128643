// Layer norm in fp32 with 16-way partial sums, and its double-precision loop reference.
// See layernorm.hpp.
#include "kernels/layernorm.hpp"

#include <cmath>
#include <vector>

#include "kernels/multiversion.hpp"

namespace greenbench::kernels {

// __restrict (the arrays never overlap): without it GCC cannot vectorise the per-channel loops
// (dbias, dweight and dnorm could alias the inputs) and ran them in scalar code.
GREENBENCH_MULTIVERSION
void layernorm_forward(float* __restrict out, float* __restrict mean, float* __restrict rstd,
                       const float* __restrict inp, const float* __restrict weight,
                       const float* __restrict bias, std::int64_t N, int C) {
  for (std::int64_t n = 0; n < N; n++) {
    const float* x = inp + n * C;
    float* y = out + n * C;
    const float m = detail::sum_floats(x, C) / float(C);
    const float var = detail::sum_centered_products(x, m, x, m, C) / float(C);
    const float s = 1.0f / std::sqrt(var + kLayerNormEps);
    for (int c = 0; c < C; c++) y[c] = (x[c] - m) * s * weight[c] + bias[c];
    if (mean != nullptr) mean[n] = m;
    if (rstd != nullptr) rstd[n] = s;
  }
}

GREENBENCH_MULTIVERSION
void layernorm_backward(float* __restrict dinp, float* __restrict dweight, float* __restrict dbias,
                        float* __restrict scratch, const float* __restrict dout,
                        const float* __restrict inp, const float* __restrict weight,
                        const float* __restrict mean, const float* __restrict rstd, std::int64_t N,
                        int C, Grad mode) {
  if (mode == Grad::overwrite) {
    for (int c = 0; c < C; c++) dweight[c] = dbias[c] = 0.0f;
  }
  float* dnorm = scratch;  // (C): dy * weight, stored so both passes use the same rounding
  for (std::int64_t n = 0; n < N; n++) {
    const float* x = inp + n * C;
    const float* dy = dout + n * C;
    const float m = mean[n], s = rstd[n];
    // xhat = (x - m) s; dnorm = dy * weight; dx = s (dnorm - mean(dnorm) - xhat mean(dnorm xhat))
    for (int c = 0; c < C; c++) {
      const float xh = (x[c] - m) * s;
      dnorm[c] = dy[c] * weight[c];
      dbias[c] += dy[c];
      dweight[c] += dy[c] * xh;
    }
    if (dinp == nullptr) continue;
    const float a = detail::sum_floats(dnorm, C) / float(C);
    const float b = detail::sum_centered_products(dnorm, 0.0f, x, m, C) * s / float(C);
    float* dx = dinp + n * C;
    if (mode == Grad::overwrite) {
      for (int c = 0; c < C; c++) dx[c] = s * (dnorm[c] - a - (x[c] - m) * s * b);
    } else {
      for (int c = 0; c < C; c++) dx[c] += s * (dnorm[c] - a - (x[c] - m) * s * b);
    }
  }
}

void layernorm_forward_naive(float* out, float* mean, float* rstd, const float* inp,
                             const float* weight, const float* bias, std::int64_t N, int C) {
  for (std::int64_t n = 0; n < N; n++) {
    double m = 0, v = 0;
    for (int c = 0; c < C; c++) m += inp[n * C + c];
    m /= C;
    for (int c = 0; c < C; c++) v += (inp[n * C + c] - m) * (inp[n * C + c] - m);
    v /= C;
    const double s = 1.0 / std::sqrt(v + double(kLayerNormEps));
    for (int c = 0; c < C; c++)
      out[n * C + c] = float((inp[n * C + c] - m) * s * weight[c] + bias[c]);
    if (mean != nullptr) mean[n] = float(m);
    if (rstd != nullptr) rstd[n] = float(s);
  }
}

void layernorm_backward_naive(float* dinp, float* dweight, float* dbias, const float* dout,
                              const float* inp, const float* weight, const float* mean,
                              const float* rstd, std::int64_t N, int C, Grad mode) {
  const bool acc = mode == Grad::accumulate;
  std::vector<double> dw(static_cast<std::size_t>(C), 0.0), db(static_cast<std::size_t>(C), 0.0);
  for (std::int64_t n = 0; n < N; n++) {
    // Straight from the definition: y_c = xhat_c w_c + b_c, xhat_c = (x_c - m) s.
    double sd = 0, sdx = 0;
    for (int c = 0; c < C; c++) {
      const double xh = (inp[n * C + c] - double(mean[n])) * rstd[n];
      const double g = double(dout[n * C + c]) * weight[c];
      sd += g;
      sdx += g * xh;
      dw[c] += double(dout[n * C + c]) * xh;
      db[c] += dout[n * C + c];
    }
    if (dinp == nullptr) continue;
    for (int c = 0; c < C; c++) {
      const double xh = (inp[n * C + c] - double(mean[n])) * rstd[n];
      const double g = double(dout[n * C + c]) * weight[c];
      const double d = rstd[n] * (g - sd / C - xh * sdx / C);
      dinp[n * C + c] = float(acc ? dinp[n * C + c] + d : d);
    }
  }
  for (int c = 0; c < C; c++) {
    dweight[c] = float(acc ? dweight[c] + dw[c] : dw[c]);
    dbias[c] = float(acc ? dbias[c] + db[c] : db[c]);
  }
}

}  // namespace greenbench::kernels
