// Internal: GREENBENCH_MULTIVERSION marks a hot hand kernel for function multiversioning in the
// portable default build (docs/cluster.md, "Builds that run on every node"): GCC compiles it
// for x86-64-v4 (AVX-512), x86-64-v3 (AVX2, FMA) and baseline x86-64 and picks one when the
// program loads (ifunc). Empty where the build already targets AVX2 (-march=native), with
// other compilers (clang's sanitizer and fuzz builds) and off x86-64. Not for BLAS, which
// dispatches itself.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__AVX2__) && \
    defined(__ELF__)
#define GREENBENCH_MULTIVERSION \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define GREENBENCH_MULTIVERSION
#endif

// Marks a helper of a GREENBENCH_MULTIVERSION kernel (a row loop, a vector shuffle) that must be
// inlined into each clone, so that it runs on the clone's instructions: a helper GCC chooses not
// to inline is compiled once, for baseline x86-64, and every clone calls that one (the cnn's
// pooling pass ran on SSE2 in the portable build so).
#if defined(__GNUC__)
#define GREENBENCH_INLINE inline __attribute__((always_inline))
#else
#define GREENBENCH_INLINE inline
#endif
