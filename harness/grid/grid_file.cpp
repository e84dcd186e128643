// Grid file parsing and checking (docs/grids.md) with yaml-cpp, keeping each value's line and
// column so every error reads `FILE:LINE:COL: what; expected ...; did you mean ...`. Values are
// checked against their workload per run in grid_expand.cpp; this file checks the file's shape.
#include "grid_file.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "command_config.hpp"
#include "greenbench/errors.hpp"
#include "greenbench/meter.hpp"
#include "greenbench/workload.hpp"
#include "grid_keys.hpp"
#include "knobs.hpp"
#include "set_args.hpp"

namespace greenbench {
namespace {

const std::vector<std::string> kGridKeys = {"name",    "meter",  "repeats",  "idle_baseline_s",
                                            "pause_s", "carbon", "defaults", "experiments"};
const std::vector<std::string> kExperimentKeys = {"workload", "phases", "set", "grid", "command"};
const std::vector<std::string> kCarbonKeys = {"intensity_g_per_kwh", "pue", "region"};

std::string list_join(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
  return s;
}

GridMark mark_of(const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  if (m.is_null()) return {};
  return {m.line + 1, m.column + 1};
}

class Checker {
 public:
  Checker(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const GridMark& at, const std::string& what,
                         const std::string& fix = "") const {
    throw InputError(what, path_, at.line, at.column, fix);
  }
  [[noreturn]] void fail(const YAML::Node& at, const std::string& what,
                         const std::string& fix = "") const {
    fail(mark_of(at), what, fix);
  }

  // A YAML value as JSON, bounded in depth and total size (aliases count every time they are
  // used); the bounds are --set's too (set_args.hpp).
  nlohmann::json value(const YAML::Node& n, const std::string& key) {
    try {
      return yaml_to_json_bounded(n, budget_);
    } catch (const YamlBoundError& e) {
      const GridMark at{e.line, e.column};
      switch (e.kind) {
        case YamlBoundError::kTooDeep:
          fail(at, fmt::format("{}: nested more than {} levels deep", key, kYamlMaxDepth),
               "expected a plain value or a short list");
        case YamlBoundError::kTooManyValues:
          fail(at,
               fmt::format("the file expands to more than {} values (aliases included)",
                           kYamlMaxValues),
               "expected a grid file of ordinary size; write lists out instead of nesting "
               "aliases");
        case YamlBoundError::kKeyNotScalar:
          break;
      }
      fail(at, "a key must be a plain name", "expected `name: value`");
    }
  }

  std::string key_name(const YAML::Node& k) const {
    if (!k.IsScalar()) fail(k, "a key must be a plain name", "expected `name: value`");
    return k.Scalar();
  }

  // The entries of a mapping in file order; duplicate and unknown keys are errors.
  std::vector<std::pair<YAML::Node, YAML::Node>> map_entries(
      const YAML::Node& map, const std::string& where, const std::vector<std::string>* known) {
    std::vector<std::pair<YAML::Node, YAML::Node>> out;
    std::map<std::string, GridMark> seen;
    for (const auto& kv : map) {
      const std::string k = key_name(kv.first);
      if (auto it = seen.find(k); it != seen.end())
        fail(kv.first,
             fmt::format("{}: given twice in {} (first at line {})", k, where, it->second.line),
             "expected each key once; remove one");
      seen[k] = mark_of(kv.first);
      if (known && std::find(known->begin(), known->end(), k) == known->end()) {
        const std::string dym = did_you_mean(k, *known);
        fail(kv.first, fmt::format("{}: unknown key in {}", k, where),
             fmt::format("expected one of {}{}", list_join(*known),
                         dym.empty() ? "" : "; did you mean '" + dym + "'?"));
      }
      out.emplace_back(kv.first, kv.second);
    }
    return out;
  }

  void require_map(const YAML::Node& n, const std::string& key, const std::string& example) const {
    if (!n.IsMap())
      fail(n, fmt::format("{}: expected a mapping, got {}", key, kind(n)), "e.g. " + example);
  }

  static std::string kind(const YAML::Node& n) {
    switch (n.Type()) {
      case YAML::NodeType::Sequence:
        return "a list";
      case YAML::NodeType::Map:
        return "a mapping";
      case YAML::NodeType::Null:
        return "nothing";
      default:
        return "'" + n.Scalar() + "'";
    }
  }

  std::string string_of(const YAML::Node& n, const std::string& key, const std::string& expected) {
    if (!n.IsScalar() || n.Scalar().empty())
      fail(n, fmt::format("{}: expected {}, got {}", key, expected, kind(n)));
    return n.Scalar();
  }

  std::string enum_of(const YAML::Node& n, const std::string& key,
                      const std::vector<std::string>& allowed) {
    const std::string s = string_of(n, key, "one of " + list_join(allowed));
    if (std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
      const std::string dym = did_you_mean(s, allowed);
      fail(n, fmt::format("{}: unknown value '{}'", key, s),
           fmt::format("expected one of {}{}", list_join(allowed),
                       dym.empty() ? "" : "; did you mean '" + dym + "'?"));
    }
    return s;
  }

  double number_of(const YAML::Node& n, const std::string& key, double lo, double hi) {
    const nlohmann::json j = n.IsScalar() ? yaml_to_json(n) : nlohmann::json();
    if (!j.is_number() || j.get<double>() < lo || j.get<double>() > hi)
      fail(n, fmt::format("{}: expected a number from {} to {}, got {}", key, lo, hi, kind(n)));
    return j.get<double>();
  }

  int int_of(const YAML::Node& n, const std::string& key, int lo, int hi) {
    const nlohmann::json j = n.IsScalar() ? yaml_to_json(n) : nlohmann::json();
    if (!j.is_number_integer() || j.get<int64_t>() < lo || j.get<int64_t>() > hi)
      fail(n, fmt::format("{}: expected an integer from {} to {}, got {}", key, lo, hi, kind(n)));
    return static_cast<int>(j.get<int64_t>());
  }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  YamlBudget budget_;  // kYamlMaxValues over the whole file
};

void name_check(Checker& c, const YAML::Node& n, const std::string& name) {
  const bool ok =
      name.size() <= 100 && name != "." && name != ".." &&
      std::all_of(name.begin(), name.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.';
      });
  if (!ok)
    c.fail(n, fmt::format("name: '{}' cannot name a results folder", name),
           "expected letters, digits, '-', '_' and '.' (at most 100), e.g. name: quick");
}

void carbon_parse(Checker& c, const YAML::Node& n, GridFile& g) {
  c.require_map(n, "carbon",
                "carbon: {intensity_g_per_kwh: 475, pue: 1.0} or carbon: {region: GB}");
  const auto entries = c.map_entries(n, "carbon", &kCarbonKeys);
  bool has_intensity = false, has_region = false;
  for (const auto& [k, v] : entries) {
    const std::string key = k.Scalar();
    g.carbon_given[key] = c.value(v, "carbon." + key);
    if (key == "intensity_g_per_kwh") {
      g.carbon_g_per_kwh = c.number_of(v, "carbon.intensity_g_per_kwh", 0, 5000);
      has_intensity = true;
    } else if (key == "pue") {
      g.pue = c.number_of(v, "carbon.pue", 1, 5);
    } else {
      const std::string region =
          c.string_of(v, "carbon.region", "a region code such as GB, FR, US or WORLD");
      try {
        g.carbon_g_per_kwh = carbon_intensity_lookup(region).g_per_kwh;
      } catch (const std::out_of_range&) {
        std::vector<std::string> codes;
        for (const auto& ci : carbon_intensity_table()) codes.push_back(ci.region);
        const std::string dym = did_you_mean(region, codes);
        c.fail(v, fmt::format("carbon.region: unknown region '{}'", region),
               fmt::format("expected one of {}{}", list_join(codes),
                           dym.empty() ? "" : "; did you mean '" + dym + "'?"));
      }
      has_region = true;
    }
  }
  if (has_intensity && has_region)
    c.fail(n, "carbon: both intensity_g_per_kwh and region given",
           "expected one of them: carbon: {intensity_g_per_kwh: 475} or carbon: {region: GB}");
}

// A mapping of workload keys (defaults, set) with their marks; `known` checks each key.
std::vector<GridValue> values_parse(Checker& c, const YAML::Node& n, const std::string& where,
                                    const std::vector<std::string>* known) {
  std::vector<GridValue> out;
  for (const auto& [k, v] : c.map_entries(n, where, known))
    out.push_back({k.Scalar(), c.value(v, k.Scalar()), mark_of(k), mark_of(v)});
  return out;
}

std::vector<std::string> phases_parse(Checker& c, const YAML::Node& n) {
  if (!n.IsSequence() || n.size() == 0)
    c.fail(n,
           fmt::format("phases: expected a non-empty list, got {}",
                       n.IsSequence() ? "an empty list" : Checker::kind(n)),
           "e.g. phases: [train, infer] or phases: [infer]");
  std::set<std::string> seen;
  for (const auto& p : n) {
    const std::string s = c.enum_of(p, "phases", {"train", "infer"});
    if (!seen.insert(s).second)
      c.fail(p, fmt::format("phases: '{}' given twice", s), "expected each phase once");
  }
  std::vector<std::string> phases;
  for (const char* p : {"train", "infer"})
    if (seen.count(p)) phases.push_back(p);
  return phases;
}

// `command:` of a command experiment: a non-empty list of non-empty strings.
void command_parse(Checker& c, const YAML::Node& key, const YAML::Node& v, GridExperiment& e) {
  if (e.workload != kCommandWorkload)
    c.fail(key,
           fmt::format("command: only for workload: command (this experiment runs {})", e.workload),
           "remove command:, or write workload: command");
  const char* fix = "e.g. command: [python3, train.py, --batch-size, \"{batch_size}\"]";
  if (!v.IsSequence() || v.size() == 0)
    c.fail(v,
           fmt::format("command: expected a non-empty list of strings, got {}",
                       v.IsSequence() ? "an empty list" : Checker::kind(v)),
           fix);
  e.command = nlohmann::json::array();
  for (const auto& a : v) {
    if (a.IsMap() && a.size() == 1 && a.begin()->second.IsNull())
      c.fail(
          a, "command: an argument is a YAML mapping, not a string",
          fmt::format("quote placeholders: \"{{{}}}\" (unquoted, YAML reads {{{}}} as a mapping)",
                      a.begin()->first.Scalar(), a.begin()->first.Scalar()));
    if (!a.IsScalar() || a.Scalar().empty())
      c.fail(a, "command: each argument must be a non-empty string", fix);
    e.command.push_back(a.Scalar());
  }
  e.command_mark = mark_of(v);
}

// A command experiment's set and grid keys each fill a placeholder of its command (or are
// timeout_s); the command is required.
void command_keys_check(Checker& c, const YAML::Node& n, const GridExperiment& e) {
  if (e.command.is_null())
    c.fail(n, fmt::format("experiment {} (command): no command", e.index),
           "expected command: [PROGRAM, ARG...], e.g. command: [python3, train.py, --batch-size, "
           "\"{batch_size}\"]");
  const std::vector<std::string> keys = experiment_keys(e);
  auto check = [&](const std::string& key, const GridMark& at) {
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) return;
    if (key == "adapt")
      c.fail(at,
             fmt::format("adapt: not for command runs (experiment {}): greenbench does not see "
                         "a program's training steps, so it cannot change a knob between them",
                         e.index),
             "compare the values under grid: instead (knobs are set around the whole program)");
    const std::string dym = did_you_mean(key, keys);
    c.fail(at,
           fmt::format("{}: not used by the command of experiment {} (no {{{}}} in its "
                       "arguments)",
                       key, e.index, key),
           fmt::format("expected a key that fills a placeholder ({}){}", list_join(keys),
                       dym.empty() ? "" : "; did you mean '" + dym + "'?"));
  };
  for (const auto& s : e.set) check(s.key, s.key_mark);
  for (const auto& a : e.grid) check(a.key, a.key_mark);
}

GridExperiment experiment_parse(Checker& c, const YAML::Node& n, int index) {
  const std::string where = fmt::format("experiment {}", index);
  c.require_map(n, where, "{workload: mlp, grid: {batch_size: [32, 64]}}");
  GridExperiment e;
  e.index = index;
  const auto entries = c.map_entries(n, where, &kExperimentKeys);
  const YAML::Node workload = n["workload"];
  if (!workload)
    c.fail(n, fmt::format("{}: no workload", where),
           fmt::format("expected `workload:` with one of {}", list_join(workload_names())));
  std::vector<std::string> names = workload_names();
  names.push_back(kCommandWorkload);
  e.workload = c.enum_of(workload, "workload", names);
  e.mark = mark_of(workload);
  const bool is_command = e.workload == kCommandWorkload;
  // A command's keys are its placeholders, checked once the command is known (command_keys_check).
  const std::vector<std::string> known =
      is_command ? std::vector<std::string>{} : grid_keys(e.workload);
  const std::vector<std::string>* known_p = is_command ? nullptr : &known;
  const std::string where_w = fmt::format("{} ({})", where, e.workload);
  for (const auto& [k, v] : entries) {
    const std::string key = k.Scalar();
    if (key == "phases") {
      if (is_command)
        c.fail(k, "phases: a command run's phases are the windows its program marks",
               "remove phases: (docs/windows.md: windows named train and infer are the phases)");
      e.phases = phases_parse(c, v);
    } else if (key == "command") {
      command_parse(c, k, v, e);
    } else if (key == "set") {
      c.require_map(v, "set", "set: {optimizer: sgd, learning_rate: 0.05}");
      e.set = values_parse(c, v, "set of " + where_w, known_p);
    } else if (key == "grid") {
      c.require_map(v, "grid", "grid: {batch_size: [32, 128], epochs: [1]}");
      for (const auto& [gk, gv] : c.map_entries(v, "grid of " + where_w, known_p)) {
        GridAxis axis;
        axis.key = gk.Scalar();
        axis.key_mark = mark_of(gk);
        if (!gv.IsSequence())
          c.fail(gv,
                 fmt::format("grid.{}: expected a list of values, got {}", axis.key,
                             Checker::kind(gv)),
                 fmt::format("the grid is the cartesian product of lists: write {}: [{}]{}",
                             axis.key, gv.IsScalar() ? gv.Scalar() : "...",
                             ", or put a single value under set:"));
        if (gv.size() == 0)
          c.fail(gv, fmt::format("grid.{}: empty list (the grid would have no runs)", axis.key),
                 "expected at least one value, or remove the key");
        std::map<nlohmann::json, GridMark> seen;  // value -> where first given
        for (const auto& item : gv) {
          GridValue value{axis.key, c.value(item, axis.key), axis.key_mark, mark_of(item)};
          if (auto it = seen.find(value.value); it != seen.end())
            c.fail(item,
                   fmt::format("grid.{}: value {} given twice (first at line {})", axis.key,
                               value.value.dump(), it->second.line),
                   "expected distinct values; use repeats: to run a configuration again");
          seen.emplace(value.value, value.value_mark);
          axis.values.push_back(std::move(value));
        }
        e.grid.push_back(std::move(axis));
      }
    }
  }
  for (const auto& s : e.set)
    for (const auto& a : e.grid)
      if (s.key == a.key)
        c.fail(a.key_mark,
               fmt::format("{}: given both in set (line {}) and in grid of {}", a.key,
                           s.key_mark.line, where_w),
               "expected it in one place: a single value under set, or a list under grid");
  if (is_command) command_keys_check(c, n, e);
  return e;
}

// A grid file that is not UTF-8 is an InputError at the first bad byte's line and column.
void utf8_check(const std::string& text, const std::string& path) {
  if (const size_t bad = utf8_invalid_at(text); bad != std::string::npos) {
    const size_t line_start = text.rfind('\n', bad == 0 ? 0 : bad - 1);
    const int line =
        1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(bad), '\n'));
    const int column =
        static_cast<int>(bad - (line_start == std::string::npos || bad == 0 ? 0 : line_start + 1)) +
        1;
    throw InputError(
        fmt::format("not valid UTF-8 (byte 0x{:02X})", static_cast<unsigned char>(text[bad])), path,
        line, column, "expected a UTF-8 text file; save it as UTF-8");
  }
}

// `defaults:`, after the experiments: keys of any workload, each used by one experiment at least.
void defaults_parse(Checker& c, const YAML::Node& defaults, GridFile& g) {
  c.require_map(defaults, "defaults", "defaults: {dataset: fashion-mnist, threads: 1}");
  // Defaults apply to every experiment whose workload has the key; each must apply to one.
  std::vector<std::string> known;
  for (const auto& w : workload_names())
    for (const auto& k : grid_keys(w))
      if (std::find(known.begin(), known.end(), k) == known.end()) known.push_back(k);
  for (const auto& e : g.experiments)
    for (const auto& k : experiment_keys(e))
      if (std::find(known.begin(), known.end(), k) == known.end()) known.push_back(k);
  g.defaults = values_parse(c, defaults, "defaults", &known);
  for (const auto& d : g.defaults) {
    bool used = false;
    for (const auto& e : g.experiments) {
      const auto keys = experiment_keys(e);
      used |= std::find(keys.begin(), keys.end(), d.key) != keys.end();
    }
    if (!used)
      c.fail(d.key_mark,
             fmt::format("{}: in defaults, but no experiment's workload has this key", d.key),
             "expected a key of a workload the grid runs; remove it");
  }
}

}  // namespace

std::vector<std::string> experiment_keys(const GridExperiment& e) {
  if (e.workload != kCommandWorkload) return grid_keys(e.workload);
  std::vector<std::string> keys = command_placeholders(e.command);
  if (std::find(keys.begin(), keys.end(), "timeout_s") == keys.end()) keys.push_back("timeout_s");
  for (const auto& k : knob_hardware_keys())  // set around the program (docs/knobs.md)
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  return keys;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  // Optimal string alignment distance (Levenshtein plus adjacent transpositions), ignoring case.
  auto lower = [](char ch) { return std::tolower(static_cast<unsigned char>(ch)); };
  std::string best;
  size_t best_d = std::string::npos;
  for (const auto& cand : candidates) {
    const size_t n = word.size(), m = cand.size();
    std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1));
    for (size_t i = 0; i <= n; ++i) d[i][0] = i;
    for (size_t j = 0; j <= m; ++j) d[0][j] = j;
    for (size_t i = 1; i <= n; ++i)
      for (size_t j = 1; j <= m; ++j) {
        const size_t cost = lower(word[i - 1]) == lower(cand[j - 1]) ? 0 : 1;
        d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
        if (i > 1 && j > 1 && lower(word[i - 1]) == lower(cand[j - 2]) &&
            lower(word[i - 2]) == lower(cand[j - 1]))
          d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    if (d[n][m] < best_d) {
      best_d = d[n][m];
      best = cand;
    }
  }
  // Close enough to be a slip: one edit for short words, up to three for long ones.
  const size_t limit = std::max<size_t>(1, std::min<size_t>(3, word.size() / 3));
  return best_d <= limit && word.size() <= 64 ? best : "";
}

GridFile grid_file_parse(const std::string& text, const std::string& path) {
  Checker c(path);
  utf8_check(text, path);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    const YAML::Mark m = e.mark;
    throw InputError(fmt::format("not valid YAML: {}", e.msg), path, m.is_null() ? 0 : m.line + 1,
                     m.is_null() ? 0 : m.column + 1,
                     "expected a YAML mapping as in configs/quick.yaml");
  }
  if (!root.IsMap())
    throw InputError(fmt::format("expected a mapping of grid keys at the top, got {}",
                                 root.IsNull() ? "an empty file" : Checker::kind(root)),
                     path, 1, 1,
                     "expected name:, experiments: and the other keys of docs/grids.md");
  GridFile g;
  g.path = path;
  g.text = text;
  const auto entries = c.map_entries(root, "the grid", &kGridKeys);
  YAML::Node experiments, defaults;
  bool has_experiments = false, has_defaults = false;
  for (const auto& [k, v] : entries) {
    const std::string key = k.Scalar();
    if (key == "name") {
      g.name = c.string_of(v, "name", "a name for the results folder");
      name_check(c, v, g.name);
    } else if (key == "meter") {
      g.meter = c.enum_of(v, "meter", kMeterChoices);
    } else if (key == "repeats") {
      g.repeats = c.int_of(v, "repeats", 1, 1000);
    } else if (key == "idle_baseline_s") {
      g.idle_baseline_s = c.number_of(v, "idle_baseline_s", 0, 3600);
    } else if (key == "pause_s") {
      g.pause_s = c.number_of(v, "pause_s", 0, 600);
    } else if (key == "carbon") {
      carbon_parse(c, v, g);
    } else if (key == "defaults") {
      defaults = v;
      has_defaults = true;
    } else {
      experiments = v;
      has_experiments = true;
    }
  }
  if (!has_experiments)
    throw InputError("no experiments", path, 1, 1,
                     "expected `experiments:` with a list of {workload, phases, set, grid}");
  if (!experiments.IsSequence() || experiments.size() == 0)
    c.fail(experiments,
           fmt::format("experiments: expected a non-empty list, got {}",
                       experiments.IsSequence() ? "an empty list" : Checker::kind(experiments)),
           "e.g. experiments: [{workload: mlp, grid: {batch_size: [32, 64]}}]");
  int index = 0;
  for (const auto& e : experiments) g.experiments.push_back(experiment_parse(c, e, ++index));
  if (has_defaults) {
    defaults_parse(c, defaults, g);
  }
  if (g.name.empty()) {  // the file's stem
    std::string stem =
        path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
    stem = stem.substr(0, stem.find('.'));
    g.name = stem.empty() ? "grid" : stem;
  }
  return g;
}

GridFile grid_file_load(const std::string& path) {
  // A grid file is a small text file (docs/grids.md): a directory, a device such as /dev/zero
  // or more than kGridFileMaxBytes is refused before reading it whole. Pipes (`<(...)`) are
  // read, up to the same bound.
  struct stat st {};
  if (stat(path.c_str(), &st) != 0)
    throw InputError(fmt::format("cannot read the grid file ({})", std::strerror(errno)), path, 0,
                     0, "check the path (e.g. configs/quick.yaml)");
  if (S_ISDIR(st.st_mode))
    throw InputError("is a directory, not a grid file", path, 0, 0,
                     "give a grid file, e.g. configs/quick.yaml");
  if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))
    throw InputError("not a regular file (a device or socket)", path, 0, 0,
                     "give a grid file, e.g. configs/quick.yaml");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw InputError("cannot read the grid file", path, 0, 0,
                     "check the path (e.g. configs/quick.yaml)");
  std::string text(kGridFileMaxBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kGridFileMaxBytes)
    throw InputError(
        fmt::format("larger than {} MiB; a grid file is a short text", kGridFileMaxBytes >> 20),
        path, 0, 0, "give a grid file, e.g. configs/quick.yaml");
  if (in.bad())
    throw InputError("cannot read the grid file", path, 0, 0,
                     "check the path (e.g. configs/quick.yaml)");
  return grid_file_parse(text, path);
}

}  // namespace greenbench
