// Estimator features from configurations and results folders: see estimate_features.hpp.
// Not the model (estimate_model.cpp).
#include "estimate_features.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <set>

#include "energy_check.hpp"
#include "gemm_times.hpp"
#include "greenbench/errors.hpp"
#include "greenbench/results.hpp"
#include "knobs.hpp"

namespace greenbench {

namespace {

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  std::string s;
  std::getline(in, s);
  return s;
}

double size_parse(std::string s) {  // "48K", "1024K", "32M", "32768"
  if (s.empty()) return 0;
  double mult = 1;
  const char last = s.back();
  if (last == 'K' || last == 'k')
    mult = 1024, s.pop_back();
  else if (last == 'M' || last == 'm')
    mult = 1024.0 * 1024, s.pop_back();
  else if (last == 'G' || last == 'g')
    mult = 1024.0 * 1024 * 1024, s.pop_back();
  try {
    return std::stod(s) * mult;
  } catch (...) {
    return 0;
  }
}

// Op kinds with their own FLOP feature; other kinds add to flops_other.
const std::vector<std::string>& flop_kinds() {
  static const std::vector<std::string> k = {"dense",       "conv",           "depthwise", "norm",
                                             "elementwise", "transcendental", "pooling",   "loss"};
  return k;
}

// Samples of a split when the config says 0 (all): the data sets' sizes (docs/workloads.md).
std::int64_t split_size(const WorkloadConfig& c, const std::string& key) {
  const std::int64_t n = c.value(key, std::int64_t(0));
  if (n > 0) return n;
  const std::string ds = c.value("dataset", std::string("fashion-mnist"));
  const bool train = key == "train_samples";
  if (ds == "cifar10") return train ? 50000 : 10000;
  return train ? 60000 : 10000;  // fashion-mnist, synthetic defaults
}

double ceil_div(double a, double b) {
  return std::ceil(a / b);
}

// The fraction of traffic over a working set `ws` that misses a cache of `cache` bytes.
double beyond(double ws, double cache) {
  return ws > cache && ws > 0 ? 1 - cache / ws : 0;
}

}  // namespace

nlohmann::json CacheSizes::to_json() const {
  return {{"l1d_bytes", l1d}, {"l2_bytes", l2}, {"l3_bytes", l3}, {"source", source}};
}

CacheSizes CacheSizes::from_json(const nlohmann::json& j) {
  CacheSizes c;
  c.l1d = j.at("l1d_bytes").get<double>();
  c.l2 = j.at("l2_bytes").get<double>();
  c.l3 = j.at("l3_bytes").get<double>();
  c.source = j.value("source", "");
  return c;
}

CacheSizes cache_sizes_read(const std::string& sysfs_root) {
  CacheSizes c;
  const std::string dir = sysfs_root + "/devices/system/cpu/cpu0/cache";
  for (int i = 0; i < 8; i++) {
    const std::string idx = fmt::format("{}/index{}", dir, i);
    if (!std::filesystem::exists(idx + "/size")) continue;
    const std::string type = file_text(idx + "/type");
    const int level = std::atoi(file_text(idx + "/level").c_str());
    const double size = size_parse(file_text(idx + "/size"));
    if (type == "Instruction") continue;
    if (level == 1) c.l1d = size;
    if (level == 2) c.l2 = size;
    if (level == 3) c.l3 = size;
  }
  if (c.l2 > 0) {
    c.source = "sysfs " + dir;
  } else {
    c.l1d = double(sysconf(_SC_LEVEL1_DCACHE_SIZE));
    c.l2 = double(sysconf(_SC_LEVEL2_CACHE_SIZE));
    c.l3 = double(sysconf(_SC_LEVEL3_CACHE_SIZE));
    c.source = "sysconf";
    if (!(c.l2 > 0))
      c.l1d = 48 * 1024.0, c.l2 = 1024 * 1024.0, c.l3 = 32 * 1024 * 1024.0, c.source = "default";
  }
  if (!(c.l3 > 0)) c.l3 = c.l2;
  if (!(c.l1d > 0)) c.l1d = std::min(c.l2, 48 * 1024.0);
  return c;
}

const std::vector<std::string>& base_feature_names() {
  static const std::vector<std::string> n = [] {
    std::vector<std::string> v;
    for (const auto& k : flop_kinds()) v.push_back("flops_" + k);
    for (const char* s : {"flops_other", "gemm_s", "optimizer_flops", "bytes_in_l2",
                          "bytes_beyond_l2", "calls", "steps", "samples", "im2col_bytes"})
      v.push_back(s);
    return v;
  }();
  return n;
}

namespace {

// What the correction's shape features are computed from (features_of).
struct ShapeInputs {
  double batch = 0, infer_batch = 0, params = 0;
  double fwd_flops_per_sample = 0, calls_fwd = 0;  // forward FLOPs and op calls per sample
  double ws_train_bytes = 0, l2_bytes = 0;         // a training step's working set; L2 size
  double threads = 0, epochs = 0;
  bool adam = false;
  std::map<std::string, double> flops_by_kind;  // whole-run FLOPs by op kind, timed or not
  double flops_total = 0;
  // The share of the run's FLOPs that `kinds` make.
  double share(std::initializer_list<const char*> kinds) const {
    double s = 0;
    for (const char* k : kinds) s += flops_by_kind.count(k) ? flops_by_kind.at(k) : 0.0;
    return flops_total > 0 ? s / flops_total : 0.0;
  }
};

struct ShapeFeature {
  const char* name;
  double (*of)(const ShapeInputs&);
};

// The correction's features (docs/estimate.md, "Model"), in order: each name with its formula.
const std::vector<ShapeFeature>& shape_features() {
  using S = const ShapeInputs&;
  static const std::vector<ShapeFeature> f = {
      {"log_batch", [](S s) { return std::log(s.batch); }},
      {"log_infer_batch", [](S s) { return std::log(s.infer_batch); }},
      {"log_params", [](S s) { return std::log(std::max(1.0, s.params)); }},
      {"log_flops_per_sample", [](S s) { return std::log(std::max(1.0, s.fwd_flops_per_sample)); }},
      {"log_ws_over_l2",
       [](S s) { return std::log(std::max(s.ws_train_bytes, 1.0) / s.l2_bytes); }},
      {"log_flops_per_call",
       [](S s) {
         return std::log(
             std::max(1.0, s.fwd_flops_per_sample * s.batch / std::max(1.0, s.calls_fwd)));
       }},
      {"share_dense", [](S s) { return s.share({"dense"}); }},
      {"share_conv", [](S s) { return s.share({"conv"}); }},
      {"share_depthwise", [](S s) { return s.share({"depthwise"}); }},
      {"share_norm_elem_pool",
       [](S s) {
         return s.share({"norm", "elementwise", "pooling"});
       }},
      {"log_threads", [](S s) { return std::log(s.threads); }},
      {"log_epochs", [](S s) { return std::log(s.epochs); }},
      {"adam", [](S s) { return s.adam ? 1.0 : 0.0; }}};
  return f;
}

}  // namespace

std::vector<std::string> shape_feature_names() {
  std::vector<std::string> names;
  for (const ShapeFeature& f : shape_features()) names.push_back(f.name);
  return names;
}

std::string arch_id_of(const std::string& workload, const WorkloadConfig& config) {
  static const std::set<std::string> kNotShape = {
      "batch_size", "infer_batch_size", "epochs",       "learning_rate", "optimizer",
      "momentum",   "weight_decay",     "threads",      "seed",          "dataset",
      "data_dir",   "train_samples",    "test_samples", "input_shape"};
  nlohmann::json id = nlohmann::json::object();
  for (const auto& [k, v] : config.items())
    if (!kNotShape.count(k)) id[k] = v;
  // The input shape, whatever data set gives it.
  const std::string ds = config.value("dataset", std::string("fashion-mnist"));
  id["input"] = ds == "cifar10"         ? nlohmann::json({3, 32, 32})
                : ds == "fashion-mnist" ? nlohmann::json({1, 28, 28})
                                        : config.value("input_shape", nlohmann::json({1, 28, 28}));
  return workload + id.dump();
}

RunPhases run_phases_of(const std::vector<std::string>& phases) {
  auto has = [&](const char* p) {
    return std::find(phases.begin(), phases.end(), p) != phases.end();
  };
  return {has("train"), has("infer")};
}

bool gemms_cover(const CostBreakdown& cost) {
  double fwd = 0, bwd = 0, listed_fwd = 0, listed_bwd = 0;
  for (const char* kind : {"dense", "conv"})
    if (cost.kinds.count(kind))
      fwd += cost.kinds.at(kind).fwd_flops, bwd += cost.kinds.at(kind).bwd_flops;
  for (const GemmCall& g : cost.gemms)
    (g.backward ? listed_bwd : listed_fwd) += 2.0 * double(g.m) * double(g.n) * double(g.k);
  return !cost.gemms.empty() && std::abs(listed_fwd - fwd) <= 1e-9 * fwd &&
         std::abs(listed_bwd - bwd) <= 1e-9 * bwd;
}

RunFeatures features_of(const std::string& workload, const WorkloadConfig& c,
                        const CacheSizes& caches, RunPhases phases, GemmTimes& times) {
  const CostBreakdown cost = workload_cost_breakdown(workload, c);
  if (cost.empty())
    throw InputError(fmt::format("workload '{}' gives no cost breakdown, so it cannot be "
                                 "estimated yet",
                                 workload),
                     "", 0, 0, "implement Workload::cost_breakdown() (docs/estimate.md)");
  RunFeatures f;
  f.workload = workload;
  f.arch_id = arch_id_of(workload, c);
  f.params = cost.params;
  const double E = c.value("epochs", 1);
  const double B = c.value("batch_size", 64);
  const double Bi = c.value("infer_batch_size", B);
  const double threads = c.value("threads", 1);
  const double n_tr = double(split_size(c, "train_samples"));
  const double n_te = double(split_size(c, "test_samples"));
  // Training passes and inference passes (runner.cpp: one inference after each epoch; once
  // when the run only infers).
  const double E_tr = phases.train ? E : 0;
  const double E_te = phases.infer ? (phases.train ? E : 1) : 0;
  const double steps_tr = E_tr * ceil_div(n_tr, B), steps_te = E_te * ceil_div(n_te, Bi);
  f.samples_seen = E_tr * n_tr + E_te * n_te;

  std::map<std::string, double> flops;  // by feature: a kind of flop_kinds(), or "other"
  auto flops_of = [&flops](const std::string& kind) -> double& {
    const auto& own = flop_kinds();
    return flops[std::find(own.begin(), own.end(), kind) != own.end() ? kind : "other"];
  };
  // The dense and conv FLOPs of the passes go to the timed-GEMM feature instead when the
  // workload lists every sgemm behind them (their FLOPs add up to those kinds' totals).
  const bool timed = gemms_cover(cost);
  std::map<std::string, double> all_flops;  // by op kind, timed or not (for the shares)
  double fwd_per_sample = 0, calls_fwd = 0;
  for (const auto& [kind, k] : cost.kinds) {
    const double v = E_tr * n_tr * (k.fwd_flops + k.bwd_flops) + E_te * n_te * k.fwd_flops;
    all_flops[kind] += v;
    if (!(timed && (kind == "dense" || kind == "conv"))) flops_of(kind) += v;
    fwd_per_sample += k.fwd_flops;
    calls_fwd += double(k.calls);
  }
  // Generation (lm): per inference pass, its own forwards, each reading every weight.
  for (const auto& [kind, v] : cost.infer_pass_flops)
    flops_of(kind) += E_te * v, all_flops[kind] += E_te * v;
  for (const auto& [kind, v] : all_flops) f.flops_total += v;
  const double gen_forwards = E_te * cost.infer_pass_forwards;
  // Whole-run seconds of those sgemms by this machine's table (a last short batch counted as
  // its share of a full one).
  double gemm_s = 0;
  if (timed && E_tr > 0)
    gemm_s += E_tr * n_tr / B * gemm_seconds_per_batch(cost.gemms, std::int64_t(B), true, times);
  if (timed && E_te > 0)
    gemm_s += E_te * n_te / Bi * gemm_seconds_per_batch(cost.gemms, std::int64_t(Bi), false, times);

  const double act = cost.act_bytes_per_sample();
  const double ws_tr = cost.weight_bytes + cost.grad_bytes + cost.optimizer_state_bytes +
                       B * (2 * act + cost.input_bytes_per_sample);
  const double ws_te = cost.weight_bytes + Bi * (act + cost.input_bytes_per_sample);
  // Input bytes go with the samples feature (the batch gather), not here. Scratch (im2col)
  // has a feature of its own (im2col_bytes below): building the columns is a strided copy,
  // far slower a byte than streaming activations (lenet5's 5x5 convs: 12% of its time).
  const double scratch = cost.scratch_bytes_per_sample();
  const double bytes_tr = steps_tr * cost.param_bytes_per_train_step() + E_tr * n_tr * 3 * act;
  const double bytes_te = (steps_te + gen_forwards) * cost.weight_bytes + E_te * n_te * act;
  const double out_tr = beyond(ws_tr, caches.l2), out_te = beyond(ws_te, caches.l2);
  const double calls = steps_tr * 2 * calls_fwd + (steps_te + gen_forwards) * calls_fwd;

  for (const auto& k : flop_kinds()) f.base.push_back(flops.count(k) ? flops[k] : 0.0);
  f.base.push_back(flops.count("other") ? flops["other"] : 0.0);
  f.base.push_back(gemm_s);
  // The optimiser's element-wise update per parameter and step: FLOPs per parameter of
  // kernels/optim.cpp's updates (sgd 2, momentum 4, adam/adamw ~12 with the sqrt and divide).
  const std::string opt = c.value("optimizer", std::string("momentum"));
  const double per_param = opt == "sgd" ? 2 : opt == "momentum" ? 4 : 12;
  f.base.push_back(steps_tr * double(cost.params) * per_param);
  f.base.push_back(bytes_tr * (1 - out_tr) + bytes_te * (1 - out_te));
  f.base.push_back(bytes_tr * out_tr + bytes_te * out_te);
  f.base.push_back(calls);
  f.base.push_back(steps_tr + steps_te + gen_forwards);
  f.base.push_back(f.samples_seen);
  // im2col scratch: written and read forward, and again by both backward GEMMs (col2im).
  f.base.push_back(E_tr * n_tr * 4 * scratch + E_te * n_te * 2 * scratch);

  const ShapeInputs in{.batch = B,
                       .infer_batch = Bi,
                       .params = double(cost.params),
                       .fwd_flops_per_sample = fwd_per_sample,
                       .calls_fwd = calls_fwd,
                       .ws_train_bytes = ws_tr,
                       .l2_bytes = caches.l2,
                       .threads = threads,
                       .epochs = E,
                       .adam = c.value("optimizer", std::string("momentum")).rfind("adam", 0) == 0,
                       .flops_by_kind = all_flops,
                       .flops_total = f.flops_total};
  for (const ShapeFeature& shape : shape_features()) f.shape.push_back(shape.of(in));
  return f;
}

RunFeatures features_of(const std::string& workload, const WorkloadConfig& c,
                        const CacheSizes& caches, RunPhases phases) {
  return features_of(workload, c, caches, phases, gemm_times());
}

std::vector<RunFeatures> runs_load(const std::string& dir, const CacheSizes& caches) {
  const ResultsFolder folder = results_folder_read(dir);  // the one reader's rules
  static std::set<std::string> said;  // --holdout folders are read more than once
  for (const auto& note : folder.notes)
    if (said.insert(note).second)
      std::fprintf(stderr, "greenbench estimate: note: %s\n", note.c_str());
  return runs_load(folder, caches);
}

std::vector<RunFeatures> runs_load(const ResultsFolder& folder, const CacheSizes& caches) {
  std::set<std::string> result_columns;
  for (const auto& k : runs_columns_before_keys()) result_columns.insert(k);
  for (const auto& k : runs_columns_after_keys()) result_columns.insert(k);
  std::vector<RunFeatures> runs;
  int commands_left_out = 0;
  for (size_t i = 0; i < folder.runs.size(); ++i) {
    const nlohmann::json& row = folder.runs[i];
    if (field_text(row, "status") != "ok" || energy_unusable(row)) continue;
    const std::string& origin = folder.runs_origin[i];  // "DIR/runs.jsonl:LINE"
    const std::string workload = field_text(row, "workload");
    // A command run's program has no cost model (docs/grids.md, "Command workloads").
    if (workload == "command") {
      ++commands_left_out;
      continue;
    }
    const std::string run_id = field_text(row, "run_id");
    auto need = [&](const char* key) {
      const auto it = row.find(key);
      if (it == row.end() || !it->is_number())
        throw InputError(
            fmt::format("run {} has no {}; estimate fit needs it for an ok run", run_id, key),
            origin, 0, 0, "repair the row, or leave this folder out");
      return *it;
    };
    WorkloadConfig config = WorkloadConfig::object();
    for (const auto& [k, v] : row.items())
      if (!result_columns.count(k) && !v.is_null()) config[k] = v;
    config["train_samples"] = need("train_samples");
    config["test_samples"] = need("test_samples");
    const double energy_j = need("energy_j").get<double>();
    RunFeatures f;
    try {
      // The phases a finished run had: those that took time or energy.
      auto took = [&](const char* s, const char* j) {
        return field_number(row, s) > 0 || field_number(row, j) > 0;
      };
      const RunPhases phases{took("train_s", "energy_train_j"), took("infer_s", "energy_infer_j")};
      f = features_of(workload, workload_config_complete(workload, workload_config_of(config)),
                      caches, phases);
    } catch (const InputError& e) {
      throw InputError(fmt::format("run {}: {}", run_id, e.what()), origin, 0, 0, "");
    }
    f.run_id = run_id;
    f.measured_j = energy_j;
    const double train_s = field_number(row, "train_s"), infer_s = field_number(row, "infer_s");
    f.measured_s =
        (std::isfinite(train_s) ? train_s : 0.0) + (std::isfinite(infer_s) ? infer_s : 0.0);
    f.folder = folder.dir;
    if (f.measured_j > 0) runs.push_back(std::move(f));
  }
  if (commands_left_out > 0)
    std::fprintf(stderr,
                 "greenbench estimate: note: %d command runs of %s left out (a program has no "
                 "cost model)\n",
                 commands_left_out, folder.dir.c_str());
  return runs;
}

}  // namespace greenbench
