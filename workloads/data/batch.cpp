// dataset_batch: gathers samples by index and normalises uint8 pixels to float on the way,
// x = p * (1 / (255 std[c])) - mean[c] / std[c], a loop the compiler vectorises.
// Not the shuffle (shuffle.cpp) and not any model's input layer.
#include <stdexcept>
#include <string>

#include "greenbench/dataset.hpp"

namespace greenbench {

void dataset_batch(const Dataset& data, const int* indices, int n, float* out_x, int32_t* out_y) {
  const int64_t hw = int64_t{data.height} * data.width, chw = data.sample_size();
  for (int i = 0; i < n; ++i) {
    const int index = indices[i];
    if (index < 0 || index >= data.n) {
      throw std::out_of_range("dataset_batch: index " + std::to_string(index) + " at position " +
                              std::to_string(i) + " is outside " + data.name + " " + data.split +
                              " [0, " + std::to_string(data.n) + ")");
    }
    const uint8_t* src = data.pixels.data() + index * chw;  // (C, H, W)
    float* dst = out_x + i * chw;                           // (C, H, W)
    for (int c = 0; c < data.channels; ++c) {
      const float scale = 1.0f / (255.0f * data.std[c]);
      const float bias = -data.mean[c] / data.std[c];
      const uint8_t* s = src + c * hw;
      float* d = dst + c * hw;
      for (int64_t p = 0; p < hw; ++p) d[p] = static_cast<float>(s[p]) * scale + bias;
    }
    if (out_y) out_y[i] = data.labels[static_cast<size_t>(index)];
  }
}

}  // namespace greenbench
