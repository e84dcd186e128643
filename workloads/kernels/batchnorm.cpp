// Batch normalisation, train and eval, and its references. See batchnorm.hpp.
#include "kernels/batchnorm.hpp"

#include <cmath>
#include <cstdint>

#include "kernels/multiversion.hpp"

namespace greenbench::kernels {

namespace {
void update_running(float* running_mean, float* running_var, int c, double mean, double var_b,
                    std::int64_t n, float momentum) {
  if (running_mean != nullptr)
    running_mean[c] = (float)((1.0 - momentum) * running_mean[c] + momentum * mean);
  if (running_var != nullptr) {
    double unbiased = var_b * (double)n / (double)(n - 1);
    running_var[c] = (float)((1.0 - momentum) * running_var[c] + momentum * unbiased);
  }
}
}  // namespace

GREENBENCH_MULTIVERSION
void batchnorm_forward_train(float* out, float* mean, float* rstd, float* running_mean,
                             float* running_var, const float* inp, const float* gamma,
                             const float* beta, int B, int C, int H, int W, float momentum,
                             float eps) {
  const std::int64_t HW = (std::int64_t)H * W, n = B * HW;
  for (int c = 0; c < C; c++) {
    // Two passes (mean, then centred squares): float sums per plane, double across planes.
    double sum = 0.0;
    for (int b = 0; b < B; b++) {
      sum += detail::sum_floats(inp + ((std::int64_t)b * C + c) * HW, HW);
    }
    const float m = (float)(sum / n);
    double sq = 0.0;
    for (int b = 0; b < B; b++) {
      const float* x = inp + ((std::int64_t)b * C + c) * HW;
      sq += detail::sum_centered_products(x, m, x, m, HW);
    }
    const double var = sq / n;
    const float r = (float)(1.0 / std::sqrt(var + eps));
    mean[c] = m;
    rstd[c] = r;
    update_running(running_mean, running_var, c, m, var, n, momentum);
    const float scale = r * gamma[c], shift = beta[c] - m * scale;
    for (int b = 0; b < B; b++) {
      const float* x = inp + ((std::int64_t)b * C + c) * HW;
      float* y = out + ((std::int64_t)b * C + c) * HW;
      for (std::int64_t i = 0; i < HW; i++) y[i] = x[i] * scale + shift;
    }
  }
}

GREENBENCH_MULTIVERSION
void batchnorm_forward_eval(float* out, const float* inp, const float* gamma, const float* beta,
                            const float* running_mean, const float* running_var, int B, int C,
                            int H, int W, float eps) {
  const std::int64_t HW = (std::int64_t)H * W;
  for (int b = 0; b < B; b++) {
    for (int c = 0; c < C; c++) {
      const float scale = gamma[c] / std::sqrt(running_var[c] + eps);
      const float shift = beta[c] - running_mean[c] * scale;
      const float* x = inp + ((std::int64_t)b * C + c) * HW;
      float* y = out + ((std::int64_t)b * C + c) * HW;
      for (std::int64_t i = 0; i < HW; i++) y[i] = x[i] * scale + shift;
    }
  }
}

GREENBENCH_MULTIVERSION
void batchnorm_backward(float* dinp, float* dgamma, float* dbeta, const float* dout,
                        const float* inp, const float* mean, const float* rstd, const float* gamma,
                        int B, int C, int H, int W, Grad mode) {
  const std::int64_t HW = (std::int64_t)H * W, n = B * HW;
  const bool acc = mode == Grad::accumulate;
  for (int c = 0; c < C; c++) {
    const float m = mean[c], r = rstd[c];
    double sum_dy = 0.0, sum_dy_xhat = 0.0;
    for (int b = 0; b < B; b++) {
      const float* x = inp + ((std::int64_t)b * C + c) * HW;
      const float* dy = dout + ((std::int64_t)b * C + c) * HW;
      sum_dy += detail::sum_floats(dy, HW);
      sum_dy_xhat += (double)detail::sum_centered_products(dy, 0.0f, x, m, HW) * r;
    }
    if (dbeta != nullptr) dbeta[c] = (float)(acc ? dbeta[c] + sum_dy : sum_dy);
    if (dgamma != nullptr) dgamma[c] = (float)(acc ? dgamma[c] + sum_dy_xhat : sum_dy_xhat);
    // dx = gamma * rstd * (dy - mean(dy) - xhat * mean(dy * xhat))
    const float k = gamma[c] * r, mdy = (float)(sum_dy / n), mdyx = (float)(sum_dy_xhat / n);
    for (int b = 0; b < B; b++) {
      const float* x = inp + ((std::int64_t)b * C + c) * HW;
      const float* dy = dout + ((std::int64_t)b * C + c) * HW;
      float* dx = dinp + ((std::int64_t)b * C + c) * HW;
      for (std::int64_t i = 0; i < HW; i++) {
        float g = k * (dy[i] - mdy - (x[i] - m) * r * mdyx);
        dx[i] = acc ? dx[i] + g : g;
      }
    }
  }
}

void batchnorm_forward_train_naive(float* out, float* mean, float* rstd, float* running_mean,
                                   float* running_var, const float* inp, const float* gamma,
                                   const float* beta, int B, int C, int H, int W, float momentum,
                                   float eps) {
  const int HW = H * W;
  const std::int64_t n = (std::int64_t)B * HW;
  for (int c = 0; c < C; c++) {
    double sum = 0.0, sq = 0.0;
    for (int b = 0; b < B; b++)
      for (int i = 0; i < HW; i++) sum += inp[(b * C + c) * HW + i];
    double mu = sum / n;
    for (int b = 0; b < B; b++)
      for (int i = 0; i < HW; i++) {
        double d = inp[(b * C + c) * HW + i] - mu;
        sq += d * d;
      }
    double var = sq / n, rs = 1.0 / std::sqrt(var + eps);
    mean[c] = (float)mu;
    rstd[c] = (float)rs;
    update_running(running_mean, running_var, c, mu, var, n, momentum);
    for (int b = 0; b < B; b++)
      for (int i = 0; i < HW; i++) {
        int j = (b * C + c) * HW + i;
        out[j] = (float)((inp[j] - mu) * rs * gamma[c] + beta[c]);
      }
  }
}

void batchnorm_forward_eval_naive(float* out, const float* inp, const float* gamma,
                                  const float* beta, const float* running_mean,
                                  const float* running_var, int B, int C, int H, int W, float eps) {
  const int HW = H * W;
  for (int b = 0; b < B; b++)
    for (int c = 0; c < C; c++)
      for (int i = 0; i < HW; i++) {
        int j = (b * C + c) * HW + i;
        out[j] = (float)(((double)inp[j] - running_mean[c]) /
                             std::sqrt((double)running_var[c] + eps) * gamma[c] +
                         beta[c]);
      }
}

void batchnorm_backward_naive(float* dinp, float* dgamma, float* dbeta, const float* dout,
                              const float* inp, const float* mean, const float* rstd,
                              const float* gamma, int B, int C, int H, int W, Grad mode) {
  // Textbook form: dxhat = dy * gamma; dvar, dmean by the chain rule; dx from all three paths.
  const int HW = H * W;
  const double n = (double)B * HW;
  const bool acc = mode == Grad::accumulate;
  for (int c = 0; c < C; c++) {
    double mu = mean[c], rs = rstd[c], dvar = 0.0, dmu = 0.0, dg = 0.0, db = 0.0;
    for (int b = 0; b < B; b++)
      for (int i = 0; i < HW; i++) {
        int j = (b * C + c) * HW + i;
        double dxhat = (double)dout[j] * gamma[c], xm = inp[j] - mu;
        dvar += dxhat * xm * -0.5 * rs * rs * rs;
        dmu += -dxhat * rs;
        dg += dout[j] * xm * rs;
        db += dout[j];
      }
    // dmu's term through var is -2 * mean(x - mu) * dvar, which is zero.
    for (int b = 0; b < B; b++)
      for (int i = 0; i < HW; i++) {
        int j = (b * C + c) * HW + i;
        double g = (double)dout[j] * gamma[c] * rs + dvar * 2.0 * (inp[j] - mu) / n + dmu / n;
        dinp[j] = (float)(acc ? dinp[j] + g : g);
      }
    if (dgamma != nullptr) dgamma[c] = (float)(acc ? dgamma[c] + dg : dg);
    if (dbeta != nullptr) dbeta[c] = (float)(acc ? dbeta[c] + db : db);
  }
}

}  // namespace greenbench::kernels
