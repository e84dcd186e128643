// The public headers alone (include/greenbench/grid.hpp, estimator.hpp; README.md, "Using
// greenbench from your own code"): a program that includes nothing else of greenbench loads a
// grid into run plans, gets bad input as InputError with file:line:column, fits and loads energy
// models and predicts runs before they run. Each result is checked against the real binary
// (`run --dry-run`, `estimate fit`, `estimate predict --json`), an independent path through the
// command line. HarnessLayout.PublicApiTestUsesOnlyPublicHeaders compiles this file with
// include/ as greenbench's only include folder.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "files.hpp"
#include "greenbench/errors.hpp"
#include "greenbench/estimator.hpp"
#include "greenbench/grid.hpp"
#include "greenbench/workload.hpp"
#include "run_cli.hpp"

namespace greenbench {
namespace {

using testing::cli_run;
using testing::TempFolder;

// The grid of these tests (api.yaml beside this file), as text.
std::string grid_text() {
  return testing::slurp(std::string(GREENBENCH_SOURCE_DIR) + "/tests/harness/public/api.yaml");
}

// The run_id column of `greenbench run GRID --dry-run`'s table.
std::vector<std::string> dry_run_ids(const std::string& out) {
  std::vector<std::string> ids;
  const std::regex id("^([0-9a-f]{16}-r[0-9]+) ");
  std::istringstream in(out);
  std::smatch m;
  for (std::string line; std::getline(in, line);)
    if (std::regex_search(line, m, id)) ids.push_back(m[1]);
  return ids;
}

TEST(PublicApi, GridPlansAreTheRunsTheCommandPlans) {
  TempFolder f;
  const std::string grid = f.write("api.yaml", grid_text());
  std::string meter;
  const std::vector<RunPlan> plans = grid_plans_load(grid, &meter);
  EXPECT_EQ(meter, "estimate");
  ASSERT_EQ(plans.size(), 12u);  // 3 hidden x 2 batch sizes x 2 repeats
  // Repeat 0 of every configuration, then repeat 1; the last grid key varies fastest.
  const std::vector<std::pair<nlohmann::json, int>> configs = {
      {{16}, 16}, {{16}, 64}, {{64}, 16}, {{64}, 64}, {{32, 32}, 16}, {{32, 32}, 64}};
  for (size_t i = 0; i < plans.size(); ++i) {
    const RunPlan& p = plans[i];
    EXPECT_EQ(p.workload, "mlp");
    EXPECT_EQ(p.repeat, int(i / 6));
    EXPECT_EQ(p.config.at("hidden"), configs[i % 6].first) << i;
    EXPECT_EQ(p.config.at("batch_size"), configs[i % 6].second) << i;
    EXPECT_EQ(p.config.at("train_samples"), 512);  // the grid's defaults
    // Defaults applied: the configuration is complete, as the workload completes it.
    EXPECT_EQ(p.config, workload_config_complete("mlp", p.config));
    EXPECT_EQ(p.run_id, p.config_id + "-r" + std::to_string(p.repeat));
    EXPECT_TRUE(p.runs("train") && p.runs("infer"));
    if (i >= 6) {
      EXPECT_EQ(p.config_id, plans[i - 6].config_id);  // a repeat: the same config
    }
  }
  // The binary plans the same runs, in the same order.
  const auto dry = cli_run({"run", grid, "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  std::vector<std::string> ids;
  for (const auto& p : plans) ids.push_back(p.run_id);
  EXPECT_EQ(dry_run_ids(dry.out), ids) << dry.out;
}

TEST(PublicApi, ABadGridIsAnInputErrorAtItsFileLineAndColumn) {
  TempFolder f;
  std::string text = grid_text();
  const std::string good = "batch_size: [16, 64]", bad = "batch_size: [16, 0]";
  text.replace(text.find(good), good.size(), bad);
  const std::string grid = f.write("bad.yaml", text);
  // Where the 0 is written, counted here from the text (1-based).
  const size_t at = text.find(bad) + bad.find('0');
  const int line = 1 + int(std::count(text.begin(), text.begin() + long(at), '\n'));
  const int column = int(at - text.rfind('\n', at));
  try {
    grid_plans_load(grid);
    FAIL() << "a batch size of 0 was accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(e.file, grid);
    EXPECT_EQ(e.line, line);
    EXPECT_EQ(e.column, column);
    EXPECT_NE(std::string(e.what()).find(grid + ":" + std::to_string(line) + ":" +
                                         std::to_string(column) + ": "),
              std::string::npos)
        << e.what();
    // The command says the same, exit 2.
    const auto r = cli_run({"run", grid, "--dry-run"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find(e.what()), std::string::npos) << r.err << "\n" << e.what();
  }
  EXPECT_THROW(grid_plans_load(f.dir + "/missing.yaml"), InputError);
}

// Each plan's prediction by `model` equals `estimate predict MODEL GRID --json`'s.
void predictions_match(const EnergyModel& model, const std::string& model_path,
                       const std::string& grid) {
  const auto plans = grid_plans_load(grid);
  const auto r = cli_run({"estimate", "predict", model_path, grid, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto runs = nlohmann::json::parse(r.out).at("runs");
  ASSERT_EQ(runs.size(), plans.size());
  for (size_t i = 0; i < plans.size(); ++i) {
    const EnergyPrediction e = model.predict(plans[i].workload, plans[i].config, plans[i].phases);
    const auto& c = runs[i];
    EXPECT_EQ(c.at("run_id"), plans[i].run_id);
    EXPECT_DOUBLE_EQ(e.energy_j, c.at("predicted_j").get<double>()) << i;
    EXPECT_DOUBLE_EQ(e.low_j, c.at("low_j").get<double>()) << i;
    EXPECT_DOUBLE_EQ(e.high_j, c.at("high_j").get<double>()) << i;
    EXPECT_DOUBLE_EQ(e.baseline_j, c.at("baseline_j").get<double>()) << i;
    EXPECT_DOUBLE_EQ(e.flops, c.at("flops").get<double>()) << i;
    EXPECT_EQ(e.params, c.at("params").get<int64_t>()) << i;
    EXPECT_EQ(e.unseen_features, c.at("unseen_features").get<std::vector<std::string>>()) << i;
    EXPECT_GT(e.energy_j, 0);
    EXPECT_LE(e.low_j, e.energy_j);
    EXPECT_GE(e.high_j, e.energy_j);
  }
}

TEST(PublicApi, ModelsFittedAndLoadedPredictAsEstimatePredictDoes) {
  TempFolder f;
  // Results to fit on: one tiny real run per configuration of the grid (the `estimate` meter).
  const std::string grid = f.write("api.yaml", grid_text());
  std::vector<std::string> dirs;
  for (const auto& p : grid_plans_load(grid)) {
    if (p.repeat != 0) continue;
    testing::QuickRun run;
    run.sets = {"train_samples=512", "test_samples=128", "epochs=1",
                "hidden=" + p.config.at("hidden").dump(),
                "batch_size=" + p.config.at("batch_size").dump()};
    dirs.push_back(f.dir + "/r" + std::to_string(dirs.size()));
    const auto r = cli_run(testing::quick_run_args(dirs.back(), run));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  // A model `estimate fit` wrote, loaded here: the same predictions as `estimate predict`.
  const std::string cli_model = f.dir + "/cli_model.json";
  std::vector<std::string> fit = {"estimate", "fit"};
  fit.insert(fit.end(), dirs.begin(), dirs.end());
  fit.insert(fit.end(), {"-o", cli_model});
  const auto r = cli_run(fit);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  predictions_match(EnergyModel::load(cli_model), cli_model, grid);

  // A model fitted here and saved: `estimate predict` reads it and predicts what it predicts.
  std::ostringstream notes;
  const EnergyModel fitted = EnergyModel::fit(dirs, &notes);
  const std::string api_model = f.dir + "/api_model.json";
  fitted.save(api_model);
  predictions_match(fitted, api_model, grid);
  EXPECT_EQ(nlohmann::json::parse(testing::slurp(api_model)).at("fit").at("n_runs"), 6);

  // Bad input: InputError naming what is wrong.
  EXPECT_THROW(EnergyModel::load(f.write("not_a_model.json", "{\"schema\": \"other\"}")),
               InputError);
  EXPECT_THROW(EnergyModel::fit({dirs[0]}), InputError);  // one run: fewer than 4
  EXPECT_THROW(fitted.predict("command", nlohmann::json::object()), InputError);
}

}  // namespace
}  // namespace greenbench
