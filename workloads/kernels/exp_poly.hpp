// The core of the kernels' vectorisable float exp (Cephes expf): after the caller's range
// reduction x = n ln2 + r, |r| <= ln2/2, exp(r) ~= the degree-6 polynomial below (relative
// error ~2e-7); the caller scales by 2^n. Shared by activation.cpp (GELU, tanh) and
// attention.cpp (softmax), which reduce differently to stay vectorisable in their loops.
#pragma once

namespace greenbench::kernels {

// x - n ln2 in two parts (ln2 = 0.693359375 - 2.12194440e-4), for the polynomial's accuracy.
inline float exp_reduce(float x, float n) {
  return x - n * 0.693359375f + n * 2.12194440e-4f;
}

// exp(r) for |r| <= ln2/2.
inline float exp_poly(float r) {
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  return p * r * r + r + 1.0f;
}

}  // namespace greenbench::kernels
