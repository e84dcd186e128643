// Token, patch and position embeddings of the transformers, and the mean over tokens that
// pools a ViT's sequence: token_embedding (GPT-2's wte + wpe lookup), patchify (image to
// non-overlapping patch vectors, which a dense layer then embeds: a Conv2d with kernel = stride
// = P), position_add (a learned (T, C) table added to every sequence), token_mean.
// Not the dense projection itself (dense.hpp).
#pragma once

#include <cstdint>

#include "kernels/common.hpp"

namespace greenbench::kernels {

// out (B, T, C) = wte[tokens[b, t]] (V, C) + wpe[pos0 + t] (>= pos0 + T rows, C).
void token_embedding_forward(float* out, const std::uint8_t* tokens, const float* wte,
                             const float* wpe, int B, int T, int C, int pos0);
// dwte (V, C) and dwpe (rows pos0 .. pos0+T of it) from dout (B, T, C). overwrite zeroes all
// V rows of dwte and rows [pos0, pos0 + T) of dwpe first.
void token_embedding_backward(float* dwte, float* dwpe, const float* dout,
                              const std::uint8_t* tokens, int B, int T, int C, int V, int pos0,
                              Grad mode);

// patches (B, NP, CP) from images (B, IC, H, W): NP = (H/P)(W/P) patches in row-major order,
// each flattened as (IC, P, P), CP = IC*P*P (nn.Conv2d(IC, C, P, stride P)'s weight layout).
// Rows and columns beyond a multiple of P are dropped, as that Conv2d does.
void patchify_forward(float* patches, const float* images, int B, int IC, int H, int W, int P);

// out (B, T, C) = inp (B, T, C) + pos (T, C); out may alias inp.
void position_add_forward(float* out, const float* inp, const float* pos, int B, int T, int C);
// dinp (B, T, C) = dout; dpos (T, C) = sum over B of dout. Either may be nullptr.
void position_add_backward(float* dinp, float* dpos, const float* dout, int B, int T, int C,
                           Grad mode);

// out (B, C) = mean over T of inp (B, T, C).
void token_mean_forward(float* out, const float* inp, int B, int T, int C);
// dinp (B, T, C) = dout (B, C) / T.
void token_mean_backward(float* dinp, const float* dout, int B, int T, int C, Grad mode);

void token_embedding_forward_naive(float* out, const std::uint8_t* tokens, const float* wte,
                                   const float* wpe, int B, int T, int C, int pos0);
void token_embedding_backward_naive(float* dwte, float* dwpe, const float* dout,
                                    const std::uint8_t* tokens, int B, int T, int C, int V,
                                    int pos0, Grad mode);
void patchify_forward_naive(float* patches, const float* images, int B, int IC, int H, int W,
                            int P);
void position_add_forward_naive(float* out, const float* inp, const float* pos, int B, int T,
                                int C);
void position_add_backward_naive(float* dinp, float* dpos, const float* dout, int B, int T, int C,
                                 Grad mode);
void token_mean_forward_naive(float* out, const float* inp, int B, int T, int C);
void token_mean_backward_naive(float* dinp, const float* dout, int B, int T, int C, Grad mode);

}  // namespace greenbench::kernels
