// Fuzz target: the one results reader and merge (harness/results/results_read.cpp,
// results_merge.cpp), the reader that merge, analyze, report, estimate and --resume share. Input:
// byte 0 = flags (bit i: part i is absent), then up to 4 parts split by fuzz::kSplit: meta.json,
// runs.jsonl, runs.csv, epochs.csv. Properties: bad folders are InputError only; merging a folder
// with itself gives what merging it alone gives; the merged files read back and merge again to the
// same files (merge is idempotent).
#include <cstdint>
#include <optional>

#include "fuzz_util.hpp"
#include "greenbench/errors.hpp"
#include "results_merge.hpp"
#include "results_read.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  const auto parts = fuzz::parts_split(data + 1, size - 1, 4);
  auto part = [&](size_t i) -> std::optional<std::string> {
    if (i >= parts.size() || ((flags >> i) & 1)) return std::nullopt;
    return parts[i];
  };
  greenbench::ResultsFolder f;
  try {
    f = greenbench::results_folder_parse("in", {part(0), part(1), part(2), part(3)});
  } catch (const greenbench::InputError&) {
    return 0;
  }
  greenbench::MergeOutput one, two;
  try {
    one = greenbench::results_merge({f}, "2026-01-01T00:00:00Z");
  } catch (const greenbench::InputError&) {
    return 0;  // a refusal of merge's own is input too
  }
  two = greenbench::results_merge({f, f}, "2026-01-01T00:00:00Z");
  FUZZ_CHECK(one.runs_jsonl == two.runs_jsonl && one.runs_csv == two.runs_csv &&
                 one.epochs_csv == two.epochs_csv,
             "merging a folder with itself changed it");
  greenbench::ResultsFolder back;
  try {
    back = greenbench::results_folder_parse(
        "out", {one.meta.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                one.runs_jsonl, one.runs_csv, one.epochs_csv});
  } catch (const greenbench::InputError& e) {
    FUZZ_CHECK(false, "merge wrote a folder it cannot read: %s", e.what());
  }
  const auto again = greenbench::results_merge({back}, "2026-01-01T00:00:00Z");
  FUZZ_CHECK(again.runs_jsonl == one.runs_jsonl, "runs.jsonl changed on a second merge");
  FUZZ_CHECK(again.runs_csv == one.runs_csv, "runs.csv changed on a second merge:\n%s\nvs\n%s",
             one.runs_csv.c_str(), again.runs_csv.c_str());
  FUZZ_CHECK(again.epochs_csv == one.epochs_csv, "epochs.csv changed on a second merge");
  return 0;
}
