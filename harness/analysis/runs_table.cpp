// The runs an analysis uses (see runs_table.hpp).
#include "runs_table.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "energy_check.hpp"
#include "greenbench/results.hpp"

namespace greenbench::analysis {

std::vector<std::string> config_keys_of(const nlohmann::json& row) {
  static const std::set<std::string> fixed = [] {
    std::set<std::string> s(runs_columns_before_keys().begin(), runs_columns_before_keys().end());
    s.insert(runs_columns_after_keys().begin(), runs_columns_after_keys().end());
    return s;
  }();
  std::vector<std::string> keys;
  for (const auto& [k, v] : row.items())
    if (!fixed.count(k)) keys.push_back(k);
  return keys;
}

bool key_is_shape(const std::string& key) {
  static const std::set<std::string> training = {
      "batch_size", "infer_batch_size", "epochs",        "learning_rate",
      "optimizer",  "momentum",         "weight_decay",  "threads",
      "seed",       "data_dir",         "train_samples", "test_samples",
      "corpus",     "prompt_tokens",    "gen_tokens",    "kv_cache"};
  return !training.count(key);
}

std::string architecture_of(const nlohmann::json& row) {
  std::string s = field_text(row, "workload");
  for (const auto& k : config_keys_of(row))
    if (key_is_shape(k)) s += " " + k + "=" + field_text(row, k);
  return s;
}

std::string setting_of(const nlohmann::json& row, const std::vector<std::string>& ignore) {
  std::string s = architecture_of(row);
  for (const auto& k : config_keys_of(row))
    if (!key_is_shape(k) && std::find(ignore.begin(), ignore.end(), k) == ignore.end())
      s += " " + k + "=" + field_text(row, k);
  return s;
}

std::vector<double> RunsTable::column(const std::string& name) const {
  std::vector<double> v;
  v.reserve(rows.size());
  for (const auto& r : rows) v.push_back(field_number(r, name));
  return v;
}

std::vector<std::string> RunsTable::texts(const std::string& name) const {
  std::vector<std::string> v;
  for (const auto& r : rows) v.push_back(field_text(r, name));
  return v;
}

RunsTable runs_table_make(const std::vector<nlohmann::json>& runs) {
  RunsTable t;
  t.runs_total = int(runs.size());
  for (const auto& r : runs) {
    const std::string status = field_text(r, "status");
    if ((status.empty() || status == "ok") && energy_unusable(r))
      ++t.runs_zero_energy;
    else if (status.empty() || status == "ok")
      t.rows.push_back(r);
    else
      ++t.runs_excluded;
  }
  // Candidate columns: workload keys (alphabetical), then the result columns in the writer's order
  // (results/README.md).
  std::set<std::string> keys;
  for (const auto& r : t.rows)
    for (const auto& k : config_keys_of(r)) keys.insert(k);
  std::vector<std::string> candidates(keys.begin(), keys.end());
  for (const auto& c : runs_columns_after_keys()) candidates.push_back(c);
  for (const auto& c : candidates) {
    if (c == "repeat") continue;
    bool numeric = true;
    std::vector<double> v;
    for (const auto& r : t.rows) {
      auto it = r.find(c);
      if (it == r.end() || it->is_null()) {
        v.push_back(NAN);
        continue;
      }
      if (!it->is_number()) {
        numeric = false;
        break;
      }
      v.push_back(it->get<double>());
    }
    if (!numeric) continue;
    std::set<double> distinct;
    int finite = 0;
    for (double x : v)
      if (std::isfinite(x)) {
        ++finite;
        distinct.insert(x);
      }
    if (finite < 3 || distinct.size() < 2) continue;
    t.columns.push_back(c);
    t.values.push_back(std::move(v));
  }
  return t;
}

}  // namespace greenbench::analysis
