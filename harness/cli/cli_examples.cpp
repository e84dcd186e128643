// The examples table (see cli_examples.hpp). A new command adds one entry here; the --help
// footer, the man page and the test pick it up.
#include "cli_examples.hpp"

#include <CLI/CLI.hpp>
#include <map>

namespace greenbench {
namespace {

using Examples = std::map<std::string, std::vector<std::string>>;

const Examples& examples_table() {
  static const Examples table = {
      {"",
       {"greenbench meter probe  # which energy sources this machine can read",
        "greenbench run configs/quick.yaml  # the quick grid, into results/quick",
        "greenbench analyze results/quick  # findings and tables",
        "greenbench report results/quick -o quick.html  # one HTML page of charts"}},
      {"run",
       {"greenbench run configs/quick.yaml  # every run of the grid, into results/quick",
        "greenbench run configs/grid.yaml --dry-run  # list the runs and the expected time",
        "greenbench run configs/grid.yaml --shard 0/4 -o results/grid.0  # a quarter of the grid",
        "greenbench run configs/quick.yaml --resume  # finish an interrupted folder",
        "greenbench run --workload mlp --set hidden=[256,128] --set epochs=2 -o results/mlp"}},
      {"bench",
       {"greenbench bench --workload mlp  # step times, GFLOP/s and the sgemm roof",
        "greenbench bench --workload cnn --set batch_size=64 --steps 50 --json"}},
      {"meter",
       {"greenbench meter -- sleep 5  # joules of a command, on stderr",
        "greenbench meter --json -o sleep.json --trace power.csv -- sleep 5",
        "greenbench meter --source estimate -- sleep 2  # the labelled power model"}},
      {"meter probe",
       {"greenbench meter probe  # which sources are readable, and the fix when not",
        "greenbench meter probe --json"}},
      {"analyze",
       {"greenbench analyze results/quick  # tables and findings; writes analysis.json",
        "greenbench analyze results/quick --json -o /tmp/quick-analysis --served 1e7"}},
      {"profile",
       {"greenbench profile configs/grid.yaml --budget 0.05  # project from 5% of the steps",
        "greenbench profile --workload mlp --set epochs=5 --validate -o /tmp/profile"}},
      {"tune",
       {"greenbench tune configs/tune_mlp.yaml  # the lowest-energy configuration, from profiles",
        "greenbench tune configs/tune_mlp.yaml --objective zeus --eta 0.5 --json",
        "greenbench tune configs/tune_mlp.yaml --objective time --validate -o /tmp/tune"}},
      {"knobs",
       {"greenbench knobs show  # each knob's value, whether it can be set, and why not",
        "greenbench knobs restore  # after a crash: put every changed knob back"}},
      {"knobs show",
       {"greenbench knobs show  # value, range, settable or why not",
        "greenbench knobs show --json"}},
      {"knobs restore", {"greenbench knobs restore  # uses the journal (docs/knobs.md)"}},
      {"estimate",
       {"greenbench estimate fit results/grid -o model.json  # learn joules from runs",
        "greenbench estimate predict model.json configs/study.yaml  # before anything runs"}},
      {"estimate fit",
       {"greenbench estimate fit results/grid -o model.json",
        "greenbench estimate fit results/grid -o model.json --holdout results/study --json"}},
      {"estimate predict",
       {"greenbench estimate predict model.json configs/study.yaml",
        "greenbench estimate predict model.json --workload mlp --set hidden=[512,256]"}},
      {"report", {"greenbench report results/quick -o quick.html  # opens offline"}},
      {"merge",
       {"greenbench merge results/grid.shard-0-of-2 results/grid.shard-1-of-2 -o results/grid"}},
      {"submit",
       {"greenbench submit configs/study.yaml --shards 16 -o results/study --time 12:00:00",
        "greenbench submit configs/quick.yaml --shards 3 -o results/quick --dry-run  # the scripts",
        "greenbench submit configs/grid.yaml --shards 4 -o results/grid --json -- --account=proj"}},
      {"completion",
       {"source <(greenbench completion bash)  # completion in this shell",
        "greenbench completion bash > ~/.local/share/bash-completion/completions/greenbench"}},
      {"completion bash",
       {"source <(greenbench completion bash)  # completion in this shell",
        "greenbench completion bash -o ~/.local/share/bash-completion/completions/greenbench"}},
  };
  return table;
}

void attach(CLI::App& app, const std::string& path) {
  const auto lines = command_examples(path);
  if (!lines.empty()) {
    std::string footer = "Examples:";  // CLI11 puts a blank line before and a newline after
    for (const auto& line : lines) footer += "\n  " + line;
    app.footer(footer);
  }
  for (CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    attach(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name());
}

}  // namespace

std::vector<std::string> command_examples(const std::string& path) {
  const auto it = examples_table().find(path);
  return it == examples_table().end() ? std::vector<std::string>{} : it->second;
}

void examples_attach(CLI::App& app) {
  attach(app, "");
}

}  // namespace greenbench
