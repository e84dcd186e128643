// Fuzz target: the CSV cells of the results files (harness/results/results_csv.cpp), as the one
// results reader splits every line of runs.csv, epochs.csv, traces and estimate_predictions.csv.
// Input: one line. Properties: splitting never fails except with a column inside the line; joining
// the cells and splitting again gives the same cells; cell <-> JSON conversions do not throw.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_util.hpp"
#include "results_csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string line(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> cells, again;
  int bad = 0;
  if (!greenbench::csv_split(line, &cells, &bad)) {
    FUZZ_CHECK(bad >= 1 && size_t(bad) <= line.size(), "bad column %d of %zu", bad, line.size());
    return 0;
  }
  FUZZ_CHECK(!cells.empty(), "no cells");
  const std::string joined = greenbench::csv_join(cells);
  FUZZ_CHECK(greenbench::csv_split(joined, &again, &bad), "cannot split the joined line");
  FUZZ_CHECK(again == cells, "round trip changed the cells (%zu vs %zu)", again.size(),
             cells.size());
  for (const auto& c : cells) {
    const nlohmann::json v = greenbench::csv_cell_value(c);
    (void)greenbench::csv_cell_text(v);
  }
  return 0;
}
