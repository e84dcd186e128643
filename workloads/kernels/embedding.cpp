// Embedding lookups, patch gathering, position tables and the token mean, with their
// loop references (the references index from the definition, the fast paths walk rows).
// See embedding.hpp.
#include "kernels/embedding.hpp"

#include <cstring>
#include <vector>

namespace greenbench::kernels {

void token_embedding_forward(float* out, const std::uint8_t* tokens, const float* wte,
                             const float* wpe, int B, int T, int C, int pos0) {
  for (std::int64_t bt = 0; bt < std::int64_t(B) * T; bt++) {
    const float* e = wte + std::int64_t(tokens[bt]) * C;
    const float* p = wpe + (pos0 + bt % T) * std::int64_t(C);
    float* o = out + bt * C;
    for (int c = 0; c < C; c++) o[c] = e[c] + p[c];
  }
}

void token_embedding_backward(float* dwte, float* dwpe, const float* dout,
                              const std::uint8_t* tokens, int B, int T, int C, int V, int pos0,
                              Grad mode) {
  if (mode == Grad::overwrite) {
    std::memset(dwte, 0, sizeof(float) * std::size_t(V) * C);
    std::memset(dwpe + std::int64_t(pos0) * C, 0, sizeof(float) * std::size_t(T) * C);
  }
  for (std::int64_t bt = 0; bt < std::int64_t(B) * T; bt++) {
    float* e = dwte + std::int64_t(tokens[bt]) * C;
    float* p = dwpe + (pos0 + bt % T) * std::int64_t(C);
    const float* d = dout + bt * C;
    for (int c = 0; c < C; c++) {
      e[c] += d[c];
      p[c] += d[c];
    }
  }
}

void patchify_forward(float* patches, const float* images, int B, int IC, int H, int W, int P) {
  const int PH = H / P, PW = W / P, CP = IC * P * P;
  for (int b = 0; b < B; b++)
    for (int py = 0; py < PH; py++)
      for (int px = 0; px < PW; px++) {
        float* o = patches + ((std::int64_t(b) * PH + py) * PW + px) * CP;
        for (int c = 0; c < IC; c++)
          for (int ky = 0; ky < P; ky++) {
            const float* row =
                images + ((std::int64_t(b) * IC + c) * H + py * P + ky) * W + std::int64_t(px) * P;
            std::memcpy(o, row, sizeof(float) * std::size_t(P));
            o += P;
          }
      }
}

void position_add_forward(float* out, const float* inp, const float* pos, int B, int T, int C) {
  const std::int64_t n = std::int64_t(T) * C;
  for (int b = 0; b < B; b++) {
    const float* x = inp + b * n;
    float* y = out + b * n;
    for (std::int64_t i = 0; i < n; i++) y[i] = x[i] + pos[i];
  }
}

void position_add_backward(float* dinp, float* dpos, const float* dout, int B, int T, int C,
                           Grad mode) {
  const std::int64_t n = std::int64_t(T) * C;
  if (dinp != nullptr) {
    if (mode == Grad::overwrite) {
      std::memcpy(dinp, dout, sizeof(float) * std::size_t(B * n));
    } else {
      for (std::int64_t i = 0; i < B * n; i++) dinp[i] += dout[i];
    }
  }
  if (dpos != nullptr) {
    if (mode == Grad::overwrite) std::memset(dpos, 0, sizeof(float) * std::size_t(n));
    for (int b = 0; b < B; b++)
      for (std::int64_t i = 0; i < n; i++) dpos[i] += dout[b * n + i];
  }
}

void token_mean_forward(float* out, const float* inp, int B, int T, int C) {
  const float inv = 1.0f / float(T);
  for (int b = 0; b < B; b++) {
    float* o = out + std::int64_t(b) * C;
    std::memset(o, 0, sizeof(float) * std::size_t(C));
    for (int t = 0; t < T; t++) {
      const float* x = inp + (std::int64_t(b) * T + t) * C;
      for (int c = 0; c < C; c++) o[c] += x[c];
    }
    for (int c = 0; c < C; c++) o[c] *= inv;
  }
}

void token_mean_backward(float* dinp, const float* dout, int B, int T, int C, Grad mode) {
  const float inv = 1.0f / float(T);
  for (int b = 0; b < B; b++)
    for (int t = 0; t < T; t++) {
      float* d = dinp + (std::int64_t(b) * T + t) * C;
      const float* g = dout + std::int64_t(b) * C;
      if (mode == Grad::overwrite) {
        for (int c = 0; c < C; c++) d[c] = g[c] * inv;
      } else {
        for (int c = 0; c < C; c++) d[c] += g[c] * inv;
      }
    }
}

void token_embedding_forward_naive(float* out, const std::uint8_t* tokens, const float* wte,
                                   const float* wpe, int B, int T, int C, int pos0) {
  for (int b = 0; b < B; b++)
    for (int t = 0; t < T; t++)
      for (int c = 0; c < C; c++)
        out[(b * T + t) * C + c] = wte[tokens[b * T + t] * C + c] + wpe[(pos0 + t) * C + c];
}

void token_embedding_backward_naive(float* dwte, float* dwpe, const float* dout,
                                    const std::uint8_t* tokens, int B, int T, int C, int V,
                                    int pos0, Grad mode) {
  const bool acc = mode == Grad::accumulate;
  for (int v = 0; v < V; v++)
    for (int c = 0; c < C; c++) {
      double g = 0;
      for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
          if (tokens[b * T + t] == v) g += dout[(b * T + t) * C + c];
      dwte[v * C + c] = float(acc ? dwte[v * C + c] + g : g);
    }
  for (int t = 0; t < T; t++)
    for (int c = 0; c < C; c++) {
      double g = 0;
      for (int b = 0; b < B; b++) g += dout[(b * T + t) * C + c];
      float& d = dwpe[(pos0 + t) * C + c];
      d = float(acc ? d + g : g);
    }
}

void patchify_forward_naive(float* patches, const float* images, int B, int IC, int H, int W,
                            int P) {
  const int PH = H / P, PW = W / P, CP = IC * P * P;
  for (int b = 0; b < B; b++)
    for (int n = 0; n < PH * PW; n++)
      for (int k = 0; k < CP; k++) {
        const int c = k / (P * P), ky = k / P % P, kx = k % P;
        const int y = n / PW * P + ky, x = n % PW * P + kx;
        patches[(std::int64_t(b) * PH * PW + n) * CP + k] = images[((b * IC + c) * H + y) * W + x];
      }
}

void position_add_forward_naive(float* out, const float* inp, const float* pos, int B, int T,
                                int C) {
  for (int b = 0; b < B; b++)
    for (int i = 0; i < T * C; i++) out[b * T * C + i] = inp[b * T * C + i] + pos[i];
}

void position_add_backward_naive(float* dinp, float* dpos, const float* dout, int B, int T, int C,
                                 Grad mode) {
  const bool acc = mode == Grad::accumulate;
  for (int i = 0; i < T * C; i++) {
    double g = 0;
    for (int b = 0; b < B; b++) {
      g += dout[b * T * C + i];
      if (dinp != nullptr)
        dinp[b * T * C + i] = acc ? dinp[b * T * C + i] + dout[b * T * C + i] : dout[b * T * C + i];
    }
    if (dpos != nullptr) dpos[i] = float(acc ? dpos[i] + g : g);
  }
}

void token_mean_forward_naive(float* out, const float* inp, int B, int T, int C) {
  for (int b = 0; b < B; b++)
    for (int c = 0; c < C; c++) {
      double s = 0;
      for (int t = 0; t < T; t++) s += inp[(b * T + t) * C + c];
      out[b * C + c] = float(s / T);
    }
}

void token_mean_backward_naive(float* dinp, const float* dout, int B, int T, int C, Grad mode) {
  const bool acc = mode == Grad::accumulate;
  for (int b = 0; b < B; b++)
    for (int t = 0; t < T; t++)
      for (int c = 0; c < C; c++) {
        const double g = double(dout[b * C + c]) / T;
        float& d = dinp[(b * T + t) * C + c];
        d = float(acc ? d + g : g);
      }
}

}  // namespace greenbench::kernels
