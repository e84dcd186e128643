// Helpers of the PyTorch golden tests: loading a committed golden file, and comparing an fp32
// tensor with PyTorch's fp64 values. Not a test by itself.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace greenbench::testing {

// tests/workloads/golden/<file>; a missing file is a test failure naming `script`, the
// generator to run, and reads as null.
inline nlohmann::json golden_load(const std::string& file, const std::string& script) {
  const std::string path = std::string(GREENBENCH_SOURCE_DIR) + "/tests/workloads/golden/" + file;
  std::ifstream in(path);
  if (!in)
    ADD_FAILURE() << "missing golden file " << path << "; run /usr/bin/python3 "
                  << "tests/workloads/golden/" << script;
  return in ? nlohmann::json::parse(in) : nlohmann::json();
}

// fp32 against fp64: |a - b| <= rel * max|b| over the tensor + abs (NaN fails); the first
// three misses are reported.
inline void expect_close(const float* got, const std::vector<double>& want, double rel, double abs,
                         const std::string& what) {
  double scale = 0;
  for (double w : want) scale = std::max(scale, std::fabs(w));
  int bad = 0;
  for (std::size_t i = 0; i < want.size(); i++)
    if (!(std::fabs(got[i] - want[i]) <= rel * scale + abs) && bad++ < 3)
      ADD_FAILURE() << what << "[" << i << "]: got " << got[i] << ", PyTorch " << want[i]
                    << " (scale " << scale << ")";
}

}  // namespace greenbench::testing
