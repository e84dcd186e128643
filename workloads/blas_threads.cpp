// OpenBLAS thread control: `threads` is the total of a run, BLAS included. Not a kernel.
#include <cblas.h>

extern "C" void openblas_set_num_threads(int);

namespace greenbench {
void blas_threads_set(int threads) {
  openblas_set_num_threads(threads > 0 ? threads : 1);
}
}  // namespace greenbench
