// Internal: a grid file (docs/grids.md) parsed and checked, every value kept with the line and
// column it came from, so that any later error (a workload rejecting a value, a run too big for
// memory) names the place in the file. Not expansion (grid_expand.hpp) and not the runner.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "run_defaults.hpp"

namespace greenbench {

// A place in a grid file, 1-based (0 = unknown).
struct GridMark {
  int line = 0, column = 0;
};

// One key's value with where it was written.
struct GridValue {
  std::string key;
  nlohmann::json value;
  GridMark key_mark, value_mark;
};

// One grid axis: a key and the list of values the cartesian product takes.
struct GridAxis {
  std::string key;
  GridMark key_mark;
  std::vector<GridValue> values;  // each with its own mark
};

struct GridExperiment {
  int index = 0;  // 1-based, in file order
  std::string workload;
  GridMark mark;  // of the experiment's `workload` value
  std::vector<std::string> phases = {"train", "infer"};
  std::vector<GridValue> set;  // file order
  std::vector<GridAxis> grid;  // file order
  // workload: command (docs/grids.md, "Command workloads"): the program and its placeholders.
  nlohmann::json command;  // a list of strings; null for other workloads
  GridMark command_mark;
};

// The keys an experiment's runs have: its workload's (workload_keys), or for `command` the
// placeholders of its command plus timeout_s. defaults and --set reach an experiment through these.
std::vector<std::string> experiment_keys(const GridExperiment& e);

// A grid file: its run-level keys (meter, idle_baseline_s, pause_s, carbon: RunSettings), its
// repeats, defaults and experiments.
struct GridFile : RunSettings {
  std::string path;  // as given, for messages
  std::string text;  // the file as given (meta.json records it)
  std::string name;
  int repeats = kRepeatsDefault;
  std::vector<GridValue> defaults;  // file order
  std::vector<GridExperiment> experiments;
};

// Parses and checks the grid-level keys and the shape of every experiment: unknown keys (with
// a did-you-mean), wrong types, empty lists, impossible values, unknown workloads and workload
// keys. Values are checked against their workload later, per run (grid_expand). Throws
// InputError "FILE:LINE:COL: what; expected ...".
GridFile grid_file_parse(const std::string& text, const std::string& path);
// The largest grid file grid_file_load reads (docs/grids.md).
inline constexpr size_t kGridFileMaxBytes = size_t(4) << 20;

// Reads `path` and parses it. Throws InputError when it cannot be read, is a directory, a
// device or socket, or is larger than kGridFileMaxBytes.
GridFile grid_file_load(const std::string& path);

// The closest of `candidates` to `word` by edit distance, or "" when none is close.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace greenbench
