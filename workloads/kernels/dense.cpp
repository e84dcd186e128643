// Dense layer over OpenBLAS sgemm, and its plain-loop reference. See dense.hpp.
#include "kernels/dense.hpp"

#include <cblas.h>

namespace greenbench::kernels {

void dense_forward(float* out, const float* inp, const float* weight, const float* bias, int B,
                   int C, int OC) {
  // out (B, OC): seed every row with the bias, then out += inp (B, C) * weight^T (C, OC).
  float beta = 0.0f;
  if (bias != nullptr) {
    for (int b = 0; b < B; b++) {
      float* out_b = out + (std::int64_t)b * OC;
      for (int o = 0; o < OC; o++) out_b[o] = bias[o];
    }
    beta = 1.0f;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, OC, C, 1.0f, inp, C, weight, C, beta, out,
              OC);
}

void dense_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                    const float* weight, int B, int C, int OC, Grad mode) {
  float beta = mode == Grad::accumulate ? 1.0f : 0.0f;
  if (dinp != nullptr) {
    // dinp (B, C) = dout (B, OC) * weight (OC, C)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, C, OC, 1.0f, dout, OC, weight, C,
                beta, dinp, C);
  }
  if (dweight != nullptr) {
    // dweight (OC, C) = dout^T (OC, B) * inp (B, C)
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, C, B, 1.0f, dout, OC, inp, C, beta,
                dweight, C);
  }
  if (dbias != nullptr) {
    if (mode == Grad::overwrite) {
      for (int o = 0; o < OC; o++) dbias[o] = 0.0f;
    }
    for (int b = 0; b < B; b++) {
      const float* dout_b = dout + (std::int64_t)b * OC;
      for (int o = 0; o < OC; o++) dbias[o] += dout_b[o];
    }
  }
}

void dense_forward_naive(float* out, const float* inp, const float* weight, const float* bias,
                         int B, int C, int OC) {
  for (int b = 0; b < B; b++) {
    for (int o = 0; o < OC; o++) {
      double acc = bias != nullptr ? bias[o] : 0.0;
      for (int c = 0; c < C; c++) acc += (double)inp[b * C + c] * weight[o * C + c];
      out[b * OC + o] = (float)acc;
    }
  }
}

void dense_backward_naive(float* dinp, float* dweight, float* dbias, const float* dout,
                          const float* inp, const float* weight, int B, int C, int OC, Grad mode) {
  bool acc = mode == Grad::accumulate;
  if (dinp != nullptr) {
    for (int b = 0; b < B; b++) {
      for (int c = 0; c < C; c++) {
        double g = 0.0;
        for (int o = 0; o < OC; o++) g += (double)dout[b * OC + o] * weight[o * C + c];
        dinp[b * C + c] = (float)(acc ? dinp[b * C + c] + g : g);
      }
    }
  }
  if (dweight != nullptr) {
    for (int o = 0; o < OC; o++) {
      for (int c = 0; c < C; c++) {
        double g = 0.0;
        for (int b = 0; b < B; b++) g += (double)dout[b * OC + o] * inp[b * C + c];
        dweight[o * C + c] = (float)(acc ? dweight[o * C + c] + g : g);
      }
    }
  }
  if (dbias != nullptr) {
    for (int o = 0; o < OC; o++) {
      double g = 0.0;
      for (int b = 0; b < B; b++) g += dout[b * OC + o];
      dbias[o] = (float)(acc ? dbias[o] + g : g);
    }
  }
}

}  // namespace greenbench::kernels
