// Flush-to-zero and denormals-are-zero for the calling thread's SSE/AVX arithmetic.
// Why: as a model learns, gradients and Adam's second moments shrink into the denormal range
// (below 1.2e-38), where x86 arithmetic takes microcode assists costing ~100 cycles each;
// measured here, mlp [2048] with Adam trained its third and fourth epochs 40% slower than its
// first (7.4 vs 5.3 s), which is energy the model does not need. Flushing changes only values
// already below 1.2e-38 (they become 0), as TensorFlow and ONNX Runtime do by default.
// A no-op on other architectures.
#pragma once

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#endif

namespace greenbench::kernels {

inline void denormals_flush() {
#if defined(__SSE__) || defined(__x86_64__)
  _mm_setcsr(_mm_getcsr() | 0x8040u);  // FTZ (bit 15) | DAZ (bit 6)
#endif
}

}  // namespace greenbench::kernels
