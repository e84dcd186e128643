// The runs an analysis uses, as columns of numbers: finished runs (status ok), the numeric
// columns among them, and each run's architecture (a workload with all its shape keys) and
// setting. Not the statistics or the findings.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace greenbench::analysis {

struct RunsTable {
  std::vector<nlohmann::json> rows;       // the ok runs, in file order
  int runs_total = 0, runs_excluded = 0;  // excluded: diverged, failed, interrupted
  int runs_zero_energy = 0;               // excluded: metered time, zero energy (energy_check.hpp)
  std::vector<std::string> columns;       // numeric columns: >= 3 finite values, not constant
  std::vector<std::vector<double>> values;  // values[c][i]: column c of row i, NaN when missing

  // A column of numbers by name (every field of the rows, not only `columns`), NaN where absent.
  std::vector<double> column(const std::string& name) const;
  std::vector<std::string> texts(const std::string& name) const;
};

RunsTable runs_table_make(const std::vector<nlohmann::json>& runs);

// The workload keys of a row: every field that is not a fixed runs.csv column (results/README.md).
std::vector<std::string> config_keys_of(const nlohmann::json& row);
// Whether a workload key shapes the model or its input (hidden, arch, width, dataset, ...),
// as opposed to how it is trained (batch_size, epochs, learning_rate, threads, seed, ...).
bool key_is_shape(const std::string& key);
// "mlp activation=relu dataset=synthetic hidden=[32]": the workload and its shape keys.
std::string architecture_of(const nlohmann::json& row);
// The architecture plus every training key except those in `ignore`.
std::string setting_of(const nlohmann::json& row, const std::vector<std::string>& ignore);

}  // namespace greenbench::analysis
