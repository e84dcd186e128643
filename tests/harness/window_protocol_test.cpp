// The window protocol's lines (docs/windows.md) and command placeholders (docs/grids.md,
// "Command workloads") as units: what parses, what is a bad line and why, nesting and ends on a
// real Meter over a fake source, and argv substitution.
#include "window_protocol.hpp"

#include <gtest/gtest.h>

#include "command_config.hpp"
#include "greenbench/errors.hpp"

namespace greenbench {
namespace {

std::string parse_error(const std::string& line) {
  std::string error;
  EXPECT_FALSE(window_line_parse(line, error).has_value()) << line;
  return error;
}

TEST(WindowProtocol, LinesParseIntoVerbNameAndValues) {
  std::string error;
  auto b = window_line_parse("begin train\r", error);
  ASSERT_TRUE(b) << error;
  EXPECT_TRUE(b->begin);
  EXPECT_EQ(b->name, "train");
  auto e = window_line_parse("end  train\tepoch=3 samples=60000 loss=0.31 tag=a=b", error);
  ASSERT_TRUE(e) << error;
  EXPECT_FALSE(e->begin);
  ASSERT_EQ(e->values.size(), 4u);
  EXPECT_EQ(e->values[0], (std::pair<std::string, std::string>{"epoch", "3"}));
  EXPECT_EQ(e->values[3], (std::pair<std::string, std::string>{"tag", "a=b"}));
  EXPECT_NE(parse_error("bgin train").find("unknown verb 'bgin'"), std::string::npos);
  EXPECT_NE(parse_error("end").find("without a window name"), std::string::npos);
  EXPECT_NE(parse_error("").find("empty line"), std::string::npos);
  EXPECT_NE(parse_error("begin train epoch=1").find("begin takes only a name"), std::string::npos);
  EXPECT_NE(parse_error("end train loss").find("'loss': expected key=value"), std::string::npos);
  EXPECT_NE(parse_error("end train 1x=2").find("expected key=value"), std::string::npos);
  EXPECT_NE(parse_error("end train a=1 a=2").find("key 'a' given twice"), std::string::npos);
  EXPECT_NE(parse_error("begin tr\x01in").find("window name 'tr\\x01in'"), std::string::npos);
  EXPECT_NE(parse_error("end train a=\xff").find("expected key=value"), std::string::npos);
}

TEST(WindowProtocol, NumbersBecomeNumbersAndEverythingElseStaysText) {
  EXPECT_EQ(window_value_json("3"), 3);
  EXPECT_EQ(window_value_json("-12"), -12);
  EXPECT_DOUBLE_EQ(window_value_json("0.31").get<double>(), 0.31);
  EXPECT_DOUBLE_EQ(window_value_json("1e-3").get<double>(), 1e-3);
  for (const char* text : {"nan", "inf", "0x10", "3a", "true", "resnet", "1.2.3"})
    EXPECT_EQ(window_value_json(text), text) << text;
}

// A source whose one package counter advances 1 uJ per read: energies count reads.
class CountingSource final : public EnergySource {
 public:
  CountingSource() : specs_{{"package-0", DomainKind::package, 1e-6, 0, "fake"}} {}
  std::string name() const override { return "fake"; }
  const std::vector<CounterSpec>& counters() const override { return specs_; }
  void read(std::vector<std::optional<uint64_t>>& units) override { units.assign(1, ++reads_); }

 private:
  std::vector<CounterSpec> specs_;
  uint64_t reads_ = 0;
};

TEST(WindowProtocol, NestedWindowsOfOneNameEndInnermostFirstAndBadLinesAreCounted) {
  std::vector<std::unique_ptr<EnergySource>> sources;
  sources.push_back(std::make_unique<CountingSource>());
  Meter meter(std::move(sources), MeterOptions{3600, false});  // reads only when asked
  WindowRecorder rec(meter, meter.now_s());
  std::vector<std::string> said;
  rec.on_problem = [&](const std::string& t) { said.push_back(t); };
  const std::string text =
      "begin step\nbegin step\nend step k=inner\nnonsense\nend step k=outer\nend step\nbegin "
      "open";
  rec.feed(text.data(), 10);  // lines split across reads are joined
  rec.feed(text.data() + 10, text.size() - 10);
  rec.finish();
  ASSERT_EQ(rec.windows().size(), 2u);
  EXPECT_EQ(rec.windows()[0].values[0].second, "inner");
  EXPECT_EQ(rec.windows()[1].values[0].second, "outer");
  // Each line read the meter once: inner spans reads 2..3, outer 1..5 (the bad line read none).
  EXPECT_NEAR(rec.windows()[0].energy.total_j * 1e6, 1.0, 1e-9);
  EXPECT_NEAR(rec.windows()[1].energy.total_j * 1e6, 3.0, 1e-9);
  ASSERT_EQ(rec.problems().size(), 3u);
  EXPECT_EQ(rec.problems()[0].rfind("line 4: 'nonsense': unknown verb", 0), 0u)
      << rec.problems()[0];
  EXPECT_EQ(rec.problems()[1].rfind("line 6: 'end step': no open window named 'step'", 0), 0u);
  EXPECT_EQ(rec.problems()[2], "line 7: window 'open' began but never ended (not reported)");
  EXPECT_EQ(said, rec.problems());
}

TEST(CommandConfig, PlaceholdersAreFilledAndBracesEscaped) {
  const nlohmann::json config = {
      {"command",
       {"python3", "t.py", "--bs={batch_size}", "{{literal}}", "{x y}", "{lr}{flag}", "{list}"}},
      {"batch_size", 32},
      {"lr", 0.001},
      {"flag", true},
      {"list", {1, 2}}};
  const auto complete = command_config_complete(config);
  EXPECT_EQ(complete["timeout_s"], 0.0);
  EXPECT_EQ(command_placeholders(config["command"]),
            (std::vector<std::string>{"batch_size", "lr", "flag", "list"}));
  EXPECT_EQ(command_argv(complete),
            (std::vector<std::string>{"python3", "t.py", "--bs=32", "{literal}", "{x y}",
                                      "0.001true", "[1,2]"}));
}

TEST(CommandConfig, UnusedKeysMissingValuesAndBadTimeoutsAreInputErrorsNamingTheKey) {
  auto error = [](const nlohmann::json& config) {
    try {
      (void)command_config_complete(config);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const nlohmann::json cmd = {"run", "{a}"};
  EXPECT_EQ(error({{"command", cmd}, {"a", 1}}), "no error");
  EXPECT_EQ(error({{"command", cmd}}).rfind("command: placeholder {a} has no value", 0), 0u);
  EXPECT_EQ(error({{"command", cmd}, {"a", 1}, {"b", 2}}).rfind("b: not used by the command", 0),
            0u);
  EXPECT_EQ(error({{"command", cmd}, {"a", 1}, {"timeout_s", -1}}).rfind("timeout_s:", 0), 0u);
  EXPECT_EQ(error({{"command", nlohmann::json::array()}}).rfind("command: expected", 0), 0u);
  EXPECT_EQ(error({{"command", {"run", 3}}}).rfind("command: argument 3", 0), 0u);
  EXPECT_EQ(error({{"command", cmd}, {"a", nullptr}}).rfind("a: expected", 0), 0u);
}

}  // namespace
}  // namespace greenbench
