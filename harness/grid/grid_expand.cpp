// Grid expansion: defaults <- set <- grid product <- --set overrides, per experiment, in a fixed
// order; each configuration completed and checked by its workload, sized from shapes, its data
// set checked, the largest run held against MemAvailable; then --filter and --shard. Errors
// point at the file position of the key that caused them. Not parsing and not running.
#include "grid_expand.hpp"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <set>

#include "adapt_key.hpp"
#include "command_config.hpp"
#include "greenbench/errors.hpp"
#include "grid_keys.hpp"
#include "grid_shard.hpp"

namespace greenbench {
namespace {

// Where a run's key got its value.
struct Origin {
  GridMark mark;
  std::string source;        // "defaults", "set", "grid", "--set"
  bool grid_scalar = false;  // a grid list element that is not itself a list
};

bool has_key(const std::vector<std::string>& keys, const std::string& k) {
  return std::find(keys.begin(), keys.end(), k) != keys.end();
}

std::string value_text(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// A run's label: "workload key=value ...", each key once, where it was first given, showing the
// value that won (set < grid < --set), so `--set python=X` over `set: {python: python3}` reads
// "python=X" rather than both.
class LabelParts {
 public:
  void put(const std::string& key, std::string text) {
    for (auto& [k, t] : parts_)
      if (k == key) {
        t = std::move(text);
        return;
      }
    parts_.emplace_back(key, std::move(text));
  }
  std::string text(const std::string& workload) const {
    std::string out = workload;
    for (const auto& [k, t] : parts_) out += fmt::format(" {}={}", k, t);
    return out;
  }

 private:
  std::vector<std::pair<std::string, std::string>> parts_;
};

// MemAvailable in bytes from $GREENBENCH_PROC_ROOT/meminfo (default /proc), or -1.
int64_t mem_available_bytes() {
  const char* root = std::getenv("GREENBENCH_PROC_ROOT");
  std::ifstream in(std::string(root && *root ? root : "/proc") + "/meminfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("MemAvailable:", 0) == 0) return std::atoll(line.c_str() + 13) * 1024;
  return -1;
}

std::string gib(int64_t bytes) {
  return fmt::format("{:.2f} GiB", double(bytes) / double(1 << 30));
}

class Expander {
 public:
  Expander(const GridFile& g, const GridExpandOptions& opt) : g_(g), opt_(opt) {}

  GridExpansion run() {
    overrides_check();
    count_check();
    GridExpansion out;
    // Completed configurations of repeat 0, reused by later repeats.
    std::vector<std::vector<std::pair<WorkloadConfig, std::string>>> per_exp(g_.experiments.size());
    for (size_t x = 0; x < g_.experiments.size(); ++x)
      per_exp[x] = configurations(g_.experiments[x]);
    std::set<std::string> ids, keys;
    std::map<std::string, WorkloadSize> sizes;  // config_id -> size
    for (int r = 0; r < g_.repeats; ++r)
      for (size_t x = 0; x < g_.experiments.size(); ++x) {
        const GridExperiment& e = g_.experiments[x];
        for (const auto& [config, label] : per_exp[x]) {
          GridRun run;
          run.plan = run_plan_make(e.workload, config, r, e.phases);
          if (!ids.insert(run.plan.run_id).second) {
            ++out.duplicates_dropped;
            continue;
          }
          run.plan.label = g_.repeats > 1 ? fmt::format("{} repeat={}", label, r) : label;
          run.experiment = e.index;
          auto it = sizes.find(run.plan.config_id);
          if (it == sizes.end()) {
            it = sizes.emplace(run.plan.config_id, size_of(e, config)).first;
            adapt_check(e, config, it->second);
          }
          run.size = it->second;
          for (const auto& [k, v] : config.items()) keys.insert(k);
          // The adapted knob's column holds the value adapt chose (docs/grids.md, "adapt").
          if (e.workload != kCommandWorkload)
            if (const auto a = adapt_of(config)) keys.insert(a->knob);
          out.runs.push_back(std::move(run));
        }
      }
    out.configurations = static_cast<int64_t>(sizes.size());
    out.key_columns.assign(keys.begin(), keys.end());
    std::vector<std::string> sorted(ids.begin(), ids.end());
    std::string all;
    for (const auto& id : sorted) all += id + "\n";
    out.grid_id = fmt::format("{:016x}", hash_fnv1a(all));
    if (opt_.check_memory) memory_check(out);
    return out;
  }

 private:
  // --set keys must belong to some experiment's workload.
  void overrides_check() const {
    std::vector<std::string> all;
    for (const auto& e : g_.experiments)
      for (const auto& k : experiment_keys(e))
        if (!has_key(all, k)) all.push_back(k);
    for (const auto& [k, v] : opt_.overrides.items())
      if (!has_key(all, k)) {
        const std::string dym = did_you_mean(k, all);
        throw InputError(
            fmt::format("--set {}: {}", k,
                        g_.path.empty() ? "not a key of workload " + g_.experiments[0].workload
                                        : "no experiment of " + g_.path + " has this key"),
            "", 0, 0,
            fmt::format("expected a key of the {}{}",
                        g_.path.empty() ? "workload" : "grid's workloads",
                        dym.empty() ? "" : "; did you mean '" + dym + "'?"));
      }
  }

  // The run count, before building anything: huge products are an error, not an allocation.
  void count_check() const {
    int64_t total = 0;
    for (const auto& e : g_.experiments) {
      int64_t n = g_.repeats;
      for (const auto& a : e.grid) {
        n *= static_cast<int64_t>(a.values.size());
        if (n > kGridMaxRuns) break;
      }
      total += n;
      if (total > kGridMaxRuns)
        throw InputError(
            fmt::format("the grid expands to more than {} runs (experiment {} alone: {}{})",
                        kGridMaxRuns, e.index, n, n > kGridMaxRuns ? "+" : ""),
            g_.path, e.mark.line, e.mark.column,
            "expected a grid of at most 100000 runs; split it into several files, or use fewer "
            "values");
    }
  }

  // The experiment's configurations (completed) with their labels, in odometer order.
  std::vector<std::pair<WorkloadConfig, std::string>> configurations(
      const GridExperiment& e) const {
    const std::vector<std::string> known = experiment_keys(e);
    std::vector<std::pair<WorkloadConfig, std::string>> out;
    std::vector<size_t> at(e.grid.size(), 0);
    while (true) {
      WorkloadConfig config = WorkloadConfig::object();
      std::map<std::string, Origin> origin;
      LabelParts label;
      for (const auto& d : g_.defaults)
        if (has_key(known, d.key)) {
          config[d.key] = d.value;
          origin[d.key] = {d.value_mark, "defaults"};
        }
      for (const auto& s : e.set) {
        config[s.key] = s.value;
        origin[s.key] = {s.value_mark, "set"};
        label.put(s.key, value_text(s.value));
      }
      for (size_t i = 0; i < e.grid.size(); ++i) {
        const GridValue& v = e.grid[i].values[at[i]];
        config[v.key] = v.value;
        origin[v.key] = {v.value_mark, "grid", !v.value.is_array()};
        label.put(v.key, value_text(v.value));
      }
      for (const auto& [k, v] : opt_.overrides.items())
        if (has_key(known, k)) {
          config[k] = v;
          origin[k] = {{}, "--set"};
          label.put(k, value_text(v));
        }
      out.emplace_back(complete(e, config, origin), label.text(e.workload));
      // Next combination: the last axis varies fastest.
      size_t i = e.grid.size();
      while (i > 0 && ++at[i - 1] == e.grid[i - 1].values.size()) at[--i] = 0;
      if (i == 0) break;
    }
    return out;
  }

  WorkloadConfig complete(const GridExperiment& e, const WorkloadConfig& config,
                          const std::map<std::string, Origin>& origin) const {
    if (e.workload == kCommandWorkload) return command_complete(e, config, origin);
    try {
      return grid_config_complete(e.workload, config);
    } catch (const InputError& err) {
      rethrow_at(e, err, origin);
    }
  }

  // A command run: its command from the experiment, then the keys; an error about the command
  // itself points at `command:`.
  WorkloadConfig command_complete(const GridExperiment& e, WorkloadConfig config,
                                  const std::map<std::string, Origin>& origin) const {
    config["command"] = e.command;
    try {
      return command_config_complete(config);
    } catch (const InputError& err) {
      const std::string msg = err.what();
      if (msg.rfind("command:", 0) == 0)
        throw InputError(fmt::format("{} (in {})", msg, where_of(e)), g_.path, e.command_mark.line,
                         e.command_mark.column);
      rethrow_at(e, err, origin);
    }
  }

  WorkloadSize size_of(const GridExperiment& e, const WorkloadConfig& config) const {
    if (e.workload == kCommandWorkload) return {};  // a program's size is what it reports
    try {
      return workload_size(e.workload, config);
    } catch (const InputError& err) {
      // A data set problem: point at the key the message names (train_samples = ...), else
      // at where the data set was chosen.
      std::map<std::string, Origin> origin = origins_of(e);
      const std::string msg = err.what();
      std::string key = msg.substr(0, msg.find_first_of(" :"));
      if (!origin.count(key))
        key = origin.count("data_dir") ? "data_dir" : origin.count("dataset") ? "dataset" : "";
      if (!key.empty() && origin[key].source == "--set")
        throw InputError(fmt::format("--set {}: the data set of {} cannot be read: {}", key,
                                     where_of(e), err.what()),
                         "", 0, 0, "or use --set dataset=synthetic");
      const GridMark m = !key.empty() ? origin[key].mark : e.mark;
      throw InputError(
          fmt::format("the data set of {} cannot be read: {}", where_of(e), err.what()), g_.path,
          m.line, m.column, "or use dataset: synthetic");
    }
  }

  // `adapt` needs training steps to profile: the train phase, and at least steps x values of
  // them over the run's epochs (docs/grids.md, "adapt").
  void adapt_check(const GridExperiment& e, const WorkloadConfig& config,
                   const WorkloadSize& size) const {
    if (e.workload == kCommandWorkload) return;
    const auto spec = adapt_of(config);
    if (!spec) return;
    const int64_t batch = config.value("batch_size", 1);
    const int64_t epochs = config.value("epochs", 1);
    const int64_t steps = epochs * ((size.train_samples + batch - 1) / std::max<int64_t>(batch, 1));
    const int64_t need = int64_t(spec->steps) * int64_t(spec->values.size());
    std::string what;
    if (std::find(e.phases.begin(), e.phases.end(), "train") == e.phases.end())
      what = "adapt: profiles training steps, but the run does not train (phases has no train)";
    else if (steps < need)
      what = fmt::format(
          "adapt: the profile needs {} x {} = {} training steps, but the run trains {} "
          "(epochs: {}, {} samples, batch_size: {})",
          spec->values.size(), spec->steps, need, steps, epochs, size.train_samples, batch);
    if (what.empty()) return;
    std::map<std::string, Origin> origin = origins_of(e);
    rethrow_at(e, InputError(what, "", 0, 0, "use fewer steps or values, or train longer"), origin);
  }

  // Where defaults and set put the data set keys of an experiment (first grid value otherwise).
  std::map<std::string, Origin> origins_of(const GridExperiment& e) const {
    std::map<std::string, Origin> o;
    const auto known = experiment_keys(e);
    for (const auto& d : g_.defaults)
      if (has_key(known, d.key)) o[d.key] = {d.value_mark, "defaults"};
    for (const auto& s : e.set) o[s.key] = {s.value_mark, "set"};
    for (const auto& a : e.grid) o[a.key] = {a.key_mark, "grid"};
    for (const auto& [k, v] : opt_.overrides.items())
      if (has_key(known, k)) o[k] = {{}, "--set"};
    return o;
  }

  // "experiment 2 (cnn)" in a grid file; "workload mlp" for `run --workload` (no file).
  std::string where_of(const GridExperiment& e) const {
    return g_.path.empty() ? "workload " + e.workload
                           : fmt::format("experiment {} ({})", e.index, e.workload);
  }

  [[noreturn]] void rethrow_at(const GridExperiment& e, const InputError& err,
                               const std::map<std::string, Origin>& origin) const {
    const std::string msg = err.what();
    const std::string key = msg.substr(0, msg.find(':'));
    const std::string where = where_of(e);
    auto it = origin.find(key);
    if (it != origin.end() && it->second.source == "--set")
      throw InputError(fmt::format("--set {}: {} (in {})", key, msg, where));
    if (it == origin.end())
      throw InputError(fmt::format("{} (in {})", msg, where), g_.path, e.mark.line, e.mark.column);
    std::string hint;
    if (it->second.grid_scalar && msg.find("list") != std::string::npos)
      hint = fmt::format(
          "grid values are lists of values, so a list-valued key needs a list of lists, e.g. {}: "
          "[[128], [256, 128]]",
          key);
    const std::string source =
        it->second.source == "defaults" ? "defaults, for " : "the " + it->second.source + " of ";
    throw InputError(fmt::format("{} (in {}{})", msg, source, where), g_.path, it->second.mark.line,
                     it->second.mark.column, hint);
  }

  void memory_check(const GridExpansion& out) const {
    const int64_t available = mem_available_bytes();
    if (available <= 0 || out.runs.empty()) return;
    const GridRun* largest = &out.runs[0];
    for (const auto& r : out.runs)
      if (r.size.memory_bytes + r.size.data_bytes >
          largest->size.memory_bytes + largest->size.data_bytes)
        largest = &r;
    const int64_t need = largest->size.memory_bytes + largest->size.data_bytes;
    if (need <= available) return;
    const GridExperiment& e = g_.experiments[largest->experiment - 1];
    throw InputError(
        fmt::format(
            "the largest run ({}) needs {} (model {}, data {}) but this machine has {} available",
            largest->plan.label, gib(need), gib(largest->size.memory_bytes),
            gib(largest->size.data_bytes), gib(available)),
        g_.path, e.mark.line, e.mark.column,
        "expected every run to fit in memory; use a smaller batch_size, model or train_samples, or "
        "a larger machine");
  }

  const GridFile& g_;
  const GridExpandOptions& opt_;
};

}  // namespace

GridExpansion grid_expand(const GridFile& grid, const GridExpandOptions& options) {
  return Expander(grid, options).run();
}

GridExpansion workload_expand(const std::string& workload, const nlohmann::json& overrides,
                              int repeats, const std::vector<std::string>& phases) {
  const auto& names = workload_names();
  if (std::find(names.begin(), names.end(), workload) == names.end())
    (void)workload_config_complete(workload, nlohmann::json::object());  // names the choices
  GridFile g;  // path "": messages name --set keys, not a file position
  g.name = workload;
  g.repeats = repeats;
  GridExperiment e;
  e.index = 1;
  e.workload = workload;
  e.phases = phases;
  g.experiments.push_back(e);
  GridExpandOptions options;
  options.overrides = overrides;
  return grid_expand(g, options);
}

void shard_parse(const std::string& text, int& index, int& count) {
  const auto slash = text.find('/');
  char* end1 = nullptr;
  char* end2 = nullptr;
  const std::string a = text.substr(0, slash),
                    b = slash == std::string::npos ? "" : text.substr(slash + 1);
  const long i = std::strtol(a.c_str(), &end1, 10), n = std::strtol(b.c_str(), &end2, 10);
  if (slash == std::string::npos || a.empty() || b.empty() || *end1 || *end2 || n < 1 ||
      n > 100000 || i < 0 || i >= n)
    throw InputError(
        fmt::format("--shard {}: expected I/N with 0 <= I < N", text), "", 0, 0,
        "e.g. --shard 0/4 ... --shard 3/4, or --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT "
        "with --array=0-3");
  index = static_cast<int>(i);
  count = static_cast<int>(n);
}

std::vector<RunPlan> grid_select(const GridExpansion& expansion, const std::string& filter,
                                 int shard_index, int shard_count, const ShardSplit& split) {
  // RE2 matches in time linear in the text, whatever the pattern: a backtracking engine
  // (std::regex) hangs on patterns such as (.*.*)*x (docs/grids.md, "Selecting runs").
  std::unique_ptr<re2::RE2> re;
  if (!filter.empty()) {
    const std::string shown = filter.size() > 60 ? filter.substr(0, 60) + "..." : filter;
    if (filter.size() > kFilterMaxBytes)
      throw InputError(fmt::format("--filter {}: longer than {} bytes", shown, kFilterMaxBytes), "",
                       0, 0, "expected a short pattern, e.g. --filter 'mlp.*batch_size=32'");
    re2::RE2::Options options;
    options.set_log_errors(false);
    re = std::make_unique<re2::RE2>(filter, options);
    if (!re->ok())
      throw InputError(
          fmt::format("--filter {}: not a valid regular expression ({})", shown, re->error()), "",
          0, 0,
          "expected an RE2 pattern (no backreferences or lookaround), e.g. --filter "
          "'mlp.*batch_size=32'");
  }
  std::vector<const GridRun*> selected;
  for (const auto& r : expansion.runs) {
    if (re && !re2::RE2::PartialMatch(r.plan.label, *re) &&
        !re2::RE2::PartialMatch(r.plan.run_id, *re))
      continue;
    selected.push_back(&r);
  }
  const std::vector<int> shard = shards_assign(selected, shard_count, split);
  std::vector<RunPlan> out;
  for (size_t i = 0; i < selected.size(); ++i)
    if (shard[i] == shard_index) out.push_back(selected[i]->plan);
  return out;
}

}  // namespace greenbench
