// The window protocol end to end (docs/windows.md): `greenbench meter --json -- CMD` lists the
// windows a program marked through $GREENBENCH_WINDOWS_FD (nested ones too), each with its own
// energy, in the order they ended; bad lines are reported with their text and the program is
// unharmed; without greenbench the Python helper does nothing. Plain python3 and bash scripts
// in tests/harness/windows/ (no torch).
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "files.hpp"
#include "run_cli.hpp"

namespace greenbench {
namespace {

using testing::cli_run;

const std::string kScripts = std::string(GREENBENCH_SOURCE_DIR) + "/tests/harness/windows/";

// `meter -o FILE -- CMD` (the object `--json` prints, while CMD keeps stdout), read back.
nlohmann::json meter_json(const std::vector<std::string>& command, int expected_exit = 0) {
  testing::TempFolder tmp("gb_windows");
  std::vector<std::string> args = {"meter",    "-o",       tmp.dir + "/m.json",
                                   "--source", "estimate", "--"};
  args.insert(args.end(), command.begin(), command.end());
  const auto r = cli_run(args);
  EXPECT_EQ(r.exit_code, expected_exit) << r.err;
  const auto j = nlohmann::json::parse(testing::slurp(tmp.dir + "/m.json"), nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
  return j;
}

TEST(CliWindows, MeterJsonListsEveryWindowAPythonScriptMarkedWithItsEnergy) {
  const auto j = meter_json({"python3", kScripts + "two_epochs.py", "0.75", "0.2"});
  ASSERT_TRUE(j.contains("windows")) << j.dump();
  const auto& ws = j["windows"];
  // In the order they ended: step (nested in train), train, infer; twice.
  std::vector<std::string> names;
  for (const auto& w : ws) names.push_back(w["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"step", "train", "infer", "step", "train", "infer"}));
  EXPECT_TRUE(j["window_errors"].empty()) << j["window_errors"].dump();
  double previous_start = -1;
  for (const auto& w : ws) {
    EXPECT_GT(w["energy_j"]["total"].get<double>(), 0) << w.dump();
    EXPECT_GT(w["energy_j"].size(), 1u) << "per domain and total: " << w.dump();
    EXPECT_TRUE(w["estimated"].get<bool>());
    EXPECT_GT(w["duration_s"].get<double>(), 0.05) << w.dump();
    EXPECT_GE(w["start_s"].get<double>(), 0);
    EXPECT_LE(w["start_s"].get<double>() + w["duration_s"].get<double>(),
              j["duration_s"].get<double>() + 1e-6);
    if (w["name"] != "step") {
      EXPECT_GT(w["start_s"].get<double>(), previous_start);
      previous_start = w["start_s"].get<double>();
    }
  }
  // The nested step lies inside its train window, and costs less.
  EXPECT_GE(ws[0]["start_s"].get<double>(), ws[1]["start_s"].get<double>());
  EXPECT_LT(ws[0]["energy_j"]["total"].get<double>(), ws[1]["energy_j"]["total"].get<double>());
  // The key/values the program gave, numbers as numbers.
  EXPECT_EQ(ws[1]["values"]["epoch"], 1);
  EXPECT_EQ(ws[1]["values"]["samples"], 600);
  EXPECT_DOUBLE_EQ(ws[1]["values"]["loss"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(ws[4]["values"]["loss"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(ws[2]["values"]["accuracy"].get<double>(), 0.75);
  // Windows are parts of the command's run: their energies add up to at most its total.
  double phases_j = 0;
  for (const auto& w : ws)
    if (w["name"] != "step") phases_j += w["energy_j"]["total"].get<double>();
  EXPECT_LE(phases_j, j["energy_j"]["total"].get<double>() * 1.0001);
}

TEST(CliWindows, BadLinesAreReportedWithTheirTextAndNeverStopTheProgram) {
  const auto j = meter_json({"bash", kScripts + "raw_lines.sh"});
  EXPECT_EQ(j["exit_code"], 0);
  std::vector<std::string> names;
  for (const auto& w : j["windows"]) names.push_back(w["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"inner", "outer"}));
  EXPECT_EQ(j["windows"][0]["values"]["items"], 3);
  EXPECT_EQ(j["windows"][0]["values"]["note"], "fine");
  EXPECT_DOUBLE_EQ(j["windows"][1]["values"]["loss"].get<double>(), 0.25);
  const auto& errors = j["window_errors"];
  ASSERT_EQ(errors.size(), 4u) << errors.dump();
  EXPECT_NE(errors[0].get<std::string>().find("line 2: 'bgin typo': unknown verb 'bgin'"),
            std::string::npos)
      << errors[0];
  EXPECT_NE(errors[1].get<std::string>().find("'end nosuch': no open window named 'nosuch'"),
            std::string::npos)
      << errors[1];
  EXPECT_NE(errors[2].get<std::string>().find("'end outer loss=0.25 bad key=1'"), std::string::npos)
      << errors[2];
  EXPECT_NE(errors[3].get<std::string>().find("'never_ended' began but never ended"),
            std::string::npos)
      << errors[3];
  // --json prints the same object on stdout (the script prints nothing there).
  const auto json =
      cli_run({"meter", "--json", "--source", "estimate", "--", "bash", kScripts + "raw_lines.sh"});
  EXPECT_EQ(nlohmann::json::parse(json.out)["window_errors"], errors);
  // Without --json, each bad line is said on stderr as it arrives.
  const auto text =
      cli_run({"meter", "--source", "estimate", "--", "bash", kScripts + "raw_lines.sh"});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.err.find("window protocol: line 2: 'bgin typo'"), std::string::npos) << text.err;
  EXPECT_NE(text.err.find("window inner"), std::string::npos) << text.err;
}

TEST(CliWindows, TheExitCodeStillPassesThroughAndAProgramWithoutWindowsHasNone) {
  const auto j = meter_json({"sh", "-c", "exit 5"}, 5);
  EXPECT_EQ(j["exit_code"], 5);
  EXPECT_TRUE(j["windows"].empty());
  EXPECT_TRUE(j["window_errors"].empty());
  // The descriptor is the program's: a number in its environment, open for writing.
  const auto fd = cli_run({"meter", "--source", "estimate", "--", "sh", "-c",
                           "test -n \"$GREENBENCH_WINDOWS_FD\" && echo >&$GREENBENCH_WINDOWS_FD"});
  EXPECT_EQ(fd.exit_code, 0) << fd.err;
}

TEST(CliWindows, ThePythonHelperDoesNothingWithoutGreenbench) {
  testing::TempFolder tmp("gb_windows");
  const std::string out = tmp.dir + "/out.txt";
  const std::string cmd = "env -u GREENBENCH_WINDOWS_FD python3 " + kScripts +
                          "two_epochs.py 0.5 0.01 > " + out + " 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_EQ(testing::slurp(out), "two_epochs: starting\ntwo_epochs: done\n");
  // A value that names no open descriptor: one warning, and the program runs to its end.
  const std::string bad =
      "GREENBENCH_WINDOWS_FD=999 python3 " + kScripts + "two_epochs.py 0.5 0.01 > " + out + " 2>&1";
  EXPECT_EQ(std::system(bad.c_str()), 0);
  const std::string text = testing::slurp(out);
  EXPECT_NE(text.find("GREENBENCH_WINDOWS_FD='999' names no open descriptor"), std::string::npos)
      << text;
  EXPECT_NE(text.find("two_epochs: done"), std::string::npos) << text;
}

}  // namespace
}  // namespace greenbench
