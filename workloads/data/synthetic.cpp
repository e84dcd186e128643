// The synthetic data set: deterministic from the seed, any shape, and learnable. Each class has
// a smooth prototype (4 random low-frequency cosines per channel, scaled to unit RMS); a sample
// of class k is  clamp(128 + 48*s*P_k + b + 48*e)  with s ~ U(0.5, 1.5) (contrast), b ~ 24*e'
// (brightness) and e per pixel, e, e' triangular noise of std 1. Labels are uniform random.
// Not a model of any real data set.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "data/input_error.hpp"
#include "data/random.hpp"
#include "data/readers.hpp"

namespace greenbench::detail {

namespace {

constexpr int kWaves = 4;         // cosines per prototype channel
constexpr int kMaxFrequency = 2;  // cycles per image side, 0..2
constexpr double kSignal = 48, kNoise = 48, kBrightness = 24;
constexpr int64_t kMaxSplitBytes = int64_t{1} << 36;  // 64 GiB of pixels per split
enum Stream : uint64_t { kPrototypes = 1, kTrain = 2, kTest = 3 };

// Triangular noise of mean 0 and std 1 from 32 random bits: (u1 + u2 - 1) * sqrt(6).
inline double triangular(uint32_t bits) {
  const double u1 = (bits & 0xffff) * (1.0 / 65536), u2 = (bits >> 16) * (1.0 / 65536);
  return (u1 + u2 - 1.0 + 1.0 / 65536) * 2.449489742783178;
}

void require_range(const char* key, int64_t value, int64_t lo, int64_t hi) {
  if (value < lo || value > hi) {
    throw_input_error("synthetic: " + std::string(key) + " = " + std::to_string(value) +
                          ", expected " + std::to_string(lo) + ".." + std::to_string(hi),
                      "", "set " + std::string(key) + " within that range");
  }
}

void check_spec(const DatasetSpec& spec) {
  require_range("channels", spec.channels, 1, 1024);
  require_range("height", spec.height, 1, 4096);
  require_range("width", spec.width, 1, 4096);
  require_range("classes", spec.classes, 2, 1 << 20);
  require_range("synthetic_train", spec.synthetic_train, 1, INT32_MAX);
  require_range("synthetic_test", spec.synthetic_test, 1, INT32_MAX);
  const int64_t chw = int64_t{spec.channels} * spec.height * spec.width;
  const int64_t most = std::max(spec.synthetic_train, spec.synthetic_test);
  if (chw * most > kMaxSplitBytes) {
    throw_input_error("synthetic: " + std::to_string(most) + " samples of " + std::to_string(chw) +
                          " bytes exceed 64 GiB per split",
                      "", "use fewer samples or a smaller shape");
  }
}

// Class prototypes (classes, C, H, W), each of unit RMS.
std::vector<float> prototypes(const DatasetSpec& spec) {
  const int C = spec.channels, H = spec.height, W = spec.width;
  const int64_t chw = int64_t{C} * H * W;
  std::vector<float> p(static_cast<size_t>(spec.classes * chw));
  std::mt19937_64 g = random_stream(spec.seed, kPrototypes);
  const double two_pi = 2 * std::numbers::pi;
  for (int k = 0; k < spec.classes; ++k) {
    float* proto = p.data() + k * chw;  // (C, H, W)
    for (int c = 0; c < C; ++c) {
      for (int j = 0; j < kWaves; ++j) {
        const double fy = static_cast<double>(random_below(g, kMaxFrequency + 1));
        const double fx = static_cast<double>(random_below(g, kMaxFrequency + 1));
        const double phase = two_pi * random_uniform(g);
        const double amplitude = 2 * random_uniform(g) - 1;
        for (int y = 0; y < H; ++y) {
          for (int x = 0; x < W; ++x) {
            proto[(c * H + y) * W + x] += static_cast<float>(
                amplitude * std::cos(two_pi * (fy * y / H + fx * x / W) + phase));
          }
        }
      }
    }
    double sum_sq = 0;
    for (int64_t i = 0; i < chw; ++i) sum_sq += double{proto[i]} * proto[i];
    const double rms = std::sqrt(sum_sq / static_cast<double>(chw));
    for (int64_t i = 0; i < chw; ++i)
      proto[i] = static_cast<float>(rms > 1e-9 ? proto[i] / rms : 0);
  }
  return p;
}

// The first n samples of a split's stream (the first n of any larger n are the same).
Dataset make_split(const DatasetSpec& spec, const std::vector<float>& protos, Stream stream,
                   int64_t n) {
  Dataset d;
  d.name = "synthetic";
  d.split = stream == kTrain ? "train" : "test";
  d.n = n;
  d.channels = spec.channels;
  d.height = spec.height;
  d.width = spec.width;
  d.classes = spec.classes;
  const int64_t chw = d.sample_size();
  d.pixels.resize(static_cast<size_t>(n * chw));
  d.labels.resize(static_cast<size_t>(n));
  std::mt19937_64 g = random_stream(spec.seed, stream);
  for (int64_t i = 0; i < n; ++i) {
    const int32_t k = static_cast<int32_t>(random_below(g, static_cast<uint64_t>(spec.classes)));
    d.labels[static_cast<size_t>(i)] = k;
    const double contrast = kSignal * (0.5 + random_uniform(g));
    const double base = 128 + kBrightness * triangular(static_cast<uint32_t>(g()));
    const float* proto = protos.data() + k * chw;
    uint8_t* out = d.pixels.data() + i * chw;
    for (int64_t p = 0; p < chw; p += 2) {  // one 64-bit draw: noise for two pixels
      const uint64_t bits = g();
      for (int64_t q = p; q < std::min(p + 2, chw); ++q) {
        const double e = triangular(static_cast<uint32_t>(q == p ? bits : bits >> 32));
        const double v = base + contrast * proto[q] + kNoise * e;
        out[q] = static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
      }
    }
  }
  return d;
}

// Per-channel mean and std of pixel/255 over the split; std 1 where the data is constant.
void measure_normalisation(const Dataset& d, std::vector<float>& mean, std::vector<float>& std) {
  const int64_t hw = int64_t{d.height} * d.width;
  mean.assign(d.channels, 0);
  std.assign(d.channels, 1);
  for (int c = 0; c < d.channels; ++c) {
    double sum = 0, sum_sq = 0;
    for (int64_t i = 0; i < d.n; ++i) {
      const uint8_t* plane = d.pixels.data() + (i * d.channels + c) * hw;
      int64_t s = 0, s2 = 0;
      for (int64_t p = 0; p < hw; ++p) {
        s += plane[p];
        s2 += int64_t{plane[p]} * plane[p];
      }
      sum += static_cast<double>(s);
      sum_sq += static_cast<double>(s2);
    }
    const double count = static_cast<double>(d.n * hw);
    const double m = sum / count / 255, var = sum_sq / count / (255.0 * 255) - m * m;
    mean[c] = static_cast<float>(m);
    std[c] = var > 1e-12 ? static_cast<float>(std::sqrt(var)) : 1.0f;
  }
}

}  // namespace

DatasetSplits synthetic_load(const DatasetSpec& spec) {
  const DatasetInfo info = synthetic_check(spec);
  const std::vector<float> protos = prototypes(spec);
  DatasetSplits s{make_split(spec, protos, kTrain, info.train_samples),
                  make_split(spec, protos, kTest, info.test_samples)};
  measure_normalisation(s.train, s.train.mean, s.train.std);
  s.test.mean = s.train.mean;
  s.test.std = s.train.std;
  return s;
}

DatasetInfo synthetic_check(const DatasetSpec& spec) {
  check_spec(spec);
  DatasetInfo info;
  info.name = "synthetic";
  info.channels = spec.channels;
  info.height = spec.height;
  info.width = spec.width;
  info.classes = spec.classes;
  info.train_samples =
      subset_count(spec.train_samples, spec.synthetic_train, "train_samples", "synthetic train");
  info.test_samples =
      subset_count(spec.test_samples, spec.synthetic_test, "test_samples", "synthetic test");
  return info;
}

}  // namespace greenbench::detail
