// greenbench merge's rules: refuse different grids; one row per run_id (ok beats diverged beats
// failed beats interrupted; identical duplicates are silent, differing ones are noted); the
// union of columns in results/README.md's order; epochs and traces from the folder whose row was
// kept; one meta.json listing the sources. Not file access (cmd_merge.cpp).
#include "results_merge.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "greenbench/errors.hpp"
#include "greenbench/results.hpp"
#include "results_csv.hpp"

namespace greenbench {
namespace {

// How finished a row is: a kept row is never replaced by a less finished one.
int status_rank(const nlohmann::json& row) {
  const auto it = row.find("status");
  const std::string s = it != row.end() && it->is_string() ? it->get<std::string>() : "";
  if (s == "ok") return 3;
  if (s == "diverged") return 2;
  if (s == "failed" || s == "no_energy") return 1;
  if (s == "interrupted") return 0;
  return -1;
}

std::string status_of(const nlohmann::json& row) {
  const auto it = row.find("status");
  return it != row.end() && it->is_string() ? it->get<std::string>() : "(none)";
}

std::string json_short(const nlohmann::json& v) {
  std::string s = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

// The first field in which two rows differ, as "field: a vs b".
std::string first_difference(const nlohmann::json& a, const nlohmann::json& b) {
  std::set<std::string> keys;
  for (const auto& [k, v] : a.items()) keys.insert(k);
  for (const auto& [k, v] : b.items()) keys.insert(k);
  for (const auto& k : keys) {
    const nlohmann::json va = a.contains(k) ? a[k] : nlohmann::json(),
                         vb = b.contains(k) ? b[k] : nlohmann::json();
    if (va != vb) return fmt::format("{}: {} vs {}", k, json_short(va), json_short(vb));
  }
  return "";
}

// The first line where two grid texts differ, for the refusal message.
std::string grid_text_difference(const std::string& a, const std::string& b) {
  std::string ta, tb;
  const auto la = text_lines(a + "\n", &ta), lb = text_lines(b + "\n", &tb);
  for (size_t i = 0; i < std::max(la.size(), lb.size()); ++i) {
    const std::string x = i < la.size() ? la[i] : "(end of file)",
                      y = i < lb.size() ? lb[i] : "(end of file)";
    if (x != y) return fmt::format("the grid files differ at line {}: '{}' vs '{}'", i + 1, x, y);
  }
  return "the grid files differ";
}

void grids_check(const std::vector<ResultsFolder>& inputs) {
  std::vector<std::string> problems;
  const nlohmann::json& ref = inputs[0].meta;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const nlohmann::json& m = inputs[i].meta;
    // schema_version: the reader accepts only this build's (results_read.cpp).
    if (i == 0) continue;
    for (const auto& field : merge_grid_fields()) {
      const nlohmann::json a = ref.contains(field) ? ref[field] : nlohmann::json();
      const nlohmann::json b = m.contains(field) ? m[field] : nlohmann::json();
      if (a == b) continue;
      const std::string what =
          field == "grid" && a.is_string() && b.is_string()
              ? grid_text_difference(a.get<std::string>(), b.get<std::string>())
              : fmt::format("{} is {} vs {}", field, json_short(a), json_short(b));
      problems.push_back(
          fmt::format("{} and {} hold different grids: {}", inputs[0].dir, inputs[i].dir, what));
      break;
    }
  }
  if (problems.empty()) return;
  std::string msg = "merge: cannot merge these folders";
  for (const auto& p : problems) msg += "\n  " + p;
  throw InputError(
      msg, "", 0, 0,
      "\n  merge joins the shard folders of one grid (same grid_name, grid file and schema_version "
      "in meta.json); merge each grid's folders separately");
}

struct Kept {
  nlohmann::json row;
  size_t source;
  std::string origin;
};

// Column order of runs.csv: the fixed columns (results/README.md), then the workload keys in the
// order the inputs' headers give them (then keys only the JSONL rows carry), then unknown extra
// columns.
std::vector<std::string> runs_header_union(const std::vector<ResultsFolder>& inputs,
                                           const std::vector<Kept>& kept) {
  const auto& before = runs_columns_before_keys();
  const auto& after = runs_columns_after_keys();
  std::set<std::string> fixed(before.begin(), before.end());
  fixed.insert(after.begin(), after.end());
  std::vector<std::string> keys, extras;
  std::set<std::string> seen = fixed;
  const std::set<std::string> after_set(after.begin(), after.end());
  for (const auto& in : inputs) {
    // Workload keys sit between `error` and `params`; a column after any result column is an
    // extra (also in folders whose writer had fewer result columns than this one).
    bool past_fixed_tail = false;
    for (const auto& col : in.runs_csv.header) {
      if (after_set.count(col)) past_fixed_tail = true;
      if (!seen.insert(col).second) continue;
      (past_fixed_tail ? extras : keys).push_back(col);
    }
  }
  for (const auto& k : kept)
    for (const auto& [col, v] : k.row.items())
      if (seen.insert(col).second) keys.push_back(col);
  std::vector<std::string> header = before;
  header.insert(header.end(), keys.begin(), keys.end());
  header.insert(header.end(), after.begin(), after.end());
  header.insert(header.end(), extras.begin(), extras.end());
  return header;
}

std::string header_line(const std::vector<std::string>& header) {
  return csv_join(header) + "\n";
}

void epochs_write(const std::vector<ResultsFolder>& inputs, const std::vector<Kept>& kept,
                  MergeOutput* out) {
  std::vector<std::string> header = epochs_columns();
  std::set<std::string> seen(header.begin(), header.end());
  for (const auto& in : inputs)
    for (const auto& col : in.epochs_csv.header)
      if (seen.insert(col).second) header.push_back(col);
  // Per input: run_id -> its epoch rows, and each column's position in that input's header.
  std::vector<std::map<std::string, std::vector<size_t>>> rows_of(inputs.size());
  std::vector<std::vector<int>> position(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const CsvTable& t = inputs[i].epochs_csv;
    for (size_t r = 0; r < t.rows.size(); ++r) rows_of[i][t.rows[r][0]].push_back(r);
    for (const auto& col : header) {
      const auto it = std::find(t.header.begin(), t.header.end(), col);
      position[i].push_back(it == t.header.end() ? -1 : static_cast<int>(it - t.header.begin()));
    }
  }
  out->epochs_csv = header_line(header);
  std::vector<std::string> cells(header.size());
  for (const auto& k : kept) {
    const auto found = rows_of[k.source].find(k.row["run_id"].get<std::string>());
    if (found == rows_of[k.source].end()) continue;
    for (size_t r : found->second) {
      const auto& row = inputs[k.source].epochs_csv.rows[r];
      for (size_t c = 0; c < header.size(); ++c) {
        const int p = position[k.source][c];
        cells[c] = p < 0 ? "" : row[static_cast<size_t>(p)];
      }
      out->epochs_csv += csv_join(cells) + "\n";
    }
  }
}

nlohmann::json meta_merge(const std::vector<ResultsFolder>& inputs,
                          const std::vector<size_t>& kept_per_source, const std::string& now_iso) {
  static const std::set<std::string> per_source = {"start_time",  "end_time",     "idle_power_w",
                                                   "interrupted", "runs_planned", "shard"};
  nlohmann::json meta = nlohmann::json::object();
  for (const auto& [key, value] : inputs[0].meta.items()) {
    if (per_source.count(key)) continue;
    bool common = true;
    for (const auto& in : inputs) common = common && in.meta.contains(key) && in.meta[key] == value;
    if (common) meta[key] = value;
  }
  std::string start, end;
  bool interrupted = false;
  nlohmann::json sources = nlohmann::json::array(), shards = nlohmann::json::array();
  for (size_t i = 0; i < inputs.size(); ++i) {
    const nlohmann::json& m = inputs[i].meta;
    nlohmann::json s = {{"dir", inputs[i].dir}, {"runs_kept", kept_per_source[i]}};
    for (const auto& [key, value] : m.items())
      if (!meta.contains(key)) s[key] = value;
    for (const char* key : {"start_time", "end_time", "idle_power_w"})
      if (!s.contains(key)) s[key] = nullptr;  // always listed per source, null when unknown
    sources.push_back(s);
    if (m.contains("shard")) shards.push_back(m["shard"]);
    const auto st = m.find("start_time"), en = m.find("end_time");
    if (st != m.end() && st->is_string() && (start.empty() || st->get<std::string>() < start))
      start = st->get<std::string>();
    if (en != m.end() && en->is_string() && en->get<std::string>() > end)
      end = en->get<std::string>();
    if (en == m.end() || (m.contains("interrupted") && m["interrupted"] == true))
      interrupted = true;
  }
  meta["start_time"] = start.empty() ? nlohmann::json() : nlohmann::json(start);
  meta["end_time"] = end.empty() ? nlohmann::json() : nlohmann::json(end);
  meta["interrupted"] = interrupted;
  meta["merged_at"] = now_iso;
  meta["sources"] = sources;
  meta["shards"] = shards;
  return meta;
}

// With `run --shard I/N` folders ({"shard": {"index": I, "count": N}} in meta.json), says
// which of the N shards none of the inputs holds: the merged folder is then not the whole grid.
void shards_note(const std::vector<ResultsFolder>& inputs, std::vector<std::string>* notes) {
  std::set<int64_t> have;
  int64_t count = 0;
  for (const auto& in : inputs) {
    const auto s = in.meta.find("shard");
    if (s == in.meta.end() || !s->is_object()) return;
    const auto i = s->find("index"), n = s->find("count");
    if (i == s->end() || n == s->end() || !i->is_number_integer() || !n->is_number_integer())
      return;
    if (count != 0 && n->get<int64_t>() != count) return;
    count = n->get<int64_t>();
    have.insert(i->get<int64_t>());
  }
  if (count <= 1 || count > 100000) return;
  std::string missing;
  for (int64_t i = 0; i < count; ++i)
    if (!have.count(i)) missing += (missing.empty() ? "" : ", ") + std::to_string(i);
  if (!missing.empty())
    notes->push_back(
        fmt::format("shards {} of {} are not among the inputs: the merged folder holds part "
                    "of the grid",
                    missing, count));
}

}  // namespace

const std::vector<std::string>& merge_grid_fields() {
  static const std::vector<std::string> f = {"schema_version", "grid_name", "grid", "grid_id"};
  return f;
}

MergeOutput results_merge(const std::vector<ResultsFolder>& inputs, const std::string& now_iso) {
  if (inputs.empty())
    throw InputError("merge: no input folders", "", 0, 0, "give at least one results folder");
  grids_check(inputs);
  MergeOutput out;
  std::vector<Kept> kept;
  std::map<std::string, size_t> index;  // run_id -> position in kept
  for (size_t i = 0; i < inputs.size(); ++i) {
    for (const auto& note : inputs[i].notes) out.notes.push_back(note);
    for (size_t r = 0; r < inputs[i].runs.size(); ++r) {
      const nlohmann::json& row = inputs[i].runs[r];
      const std::string& origin = inputs[i].runs_origin[r];
      ++out.rows_read;
      const std::string id = row["run_id"].get<std::string>();
      const auto [it, fresh] = index.emplace(id, kept.size());
      if (fresh) {
        kept.push_back({row, i, origin});
        continue;
      }
      Kept& k = kept[it->second];
      if (k.row == row) {
        ++out.duplicates_identical;
        continue;
      }
      const int have = status_rank(k.row), got = status_rank(row);
      if (have != got) {
        ++out.duplicates_resolved;
        const bool replace = got > have;
        out.notes.push_back(
            fmt::format("run {}: kept the {} row of {}, dropped the {} row of {}", id,
                        status_of(replace ? row : k.row), replace ? origin : k.origin,
                        status_of(replace ? k.row : row), replace ? k.origin : origin));
        if (replace) k = {row, i, origin};
        continue;
      }
      ++out.conflicts;
      out.notes.push_back(
          fmt::format("run {}: CONFLICT: {} and {} hold different {} rows ({}); kept the first", id,
                      k.origin, origin, status_of(row), first_difference(k.row, row)));
    }
  }

  const auto header = runs_header_union(inputs, kept);
  out.runs_csv = header_line(header);
  std::vector<size_t> kept_per_source(inputs.size(), 0);
  std::vector<std::string> cells(header.size());
  for (const auto& k : kept) {
    out.runs_jsonl += k.row.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    for (size_t c = 0; c < header.size(); ++c) {
      const auto it = k.row.find(header[c]);
      cells[c] = it == k.row.end() ? "" : csv_cell_text(*it);
    }
    out.runs_csv += csv_join(cells) + "\n";
    out.runs.push_back({k.row["run_id"].get<std::string>(), k.source});
    ++kept_per_source[k.source];
  }
  epochs_write(inputs, kept, &out);
  out.meta = meta_merge(inputs, kept_per_source, now_iso);
  shards_note(inputs, &out.notes);
  return out;
}

}  // namespace greenbench
