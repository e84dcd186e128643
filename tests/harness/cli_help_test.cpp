// What users of a CLI expect (docs/commands.md, "Help, examples and did you mean"; "Shell
// completion and the man page"): every command's --help ends with examples that greenbench's own
// parser accepts; the man page has every command and flag, is what the build installs, and
// renders with man(1) without a warning.
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>

#include "cli.hpp"
#include "cli_spec.hpp"
#include "files.hpp"
#include "run_cli.hpp"

namespace greenbench {
namespace {

using testing::cli_run;
using testing::CliResult;

std::vector<CommandSpec> specs_now() {
  CLI::App app;
  CommandAction action;
  cli_app_build(app, action);
  return command_specs(app);
}

// The lines after "Examples:" at the end of a --help text.
std::vector<std::string> examples_of(const std::string& help) {
  const size_t at = help.rfind("\nExamples:\n");
  std::vector<std::string> out;
  if (at == std::string::npos) return out;
  std::istringstream in(help.substr(at + 11));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

// An example as greenbench's parser reads it: the words after "greenbench", before a comment or
// a shell redirection. Throws CLI::ParseError when greenbench would refuse it.
void example_parse(const std::string& line) {
  std::string words = line.substr(line.find("greenbench ") + 11);
  for (const char* end : {"  #", " > ", " | ", " && "})
    if (const size_t at = words.find(end); at != std::string::npos) words.resize(at);
  CLI::App app;
  CommandAction action;
  cli_app_build(app, action);
  app.parse(words, false);
  ASSERT_TRUE(static_cast<bool>(action)) << line;  // a command was chosen
}

TEST(CliHelp, EveryCommandsHelpEndsWithExamplesThatParse) {
  const auto specs = specs_now();
  ASSERT_GE(specs.size(), 12u);  // greenbench, its commands and estimate's and meter's
  for (const auto& s : specs) {
    if (s.hidden) continue;
    std::vector<std::string> args;
    std::istringstream words(s.path);
    for (std::string w; words >> w;) args.push_back(w);
    args.push_back("--help");
    const CliResult r = cli_run(args);
    ASSERT_EQ(r.exit_code, 0) << command_title(s.path) << ": " << r.err;
    const auto examples = examples_of(r.out);
    ASSERT_FALSE(examples.empty()) << command_title(s.path) << " --help has no Examples:\n"
                                   << r.out;
    // The section is the last one: nothing but example lines after it.
    for (const auto& e : examples) {
      SCOPED_TRACE(command_title(s.path) + ": " + e);
      ASSERT_EQ(e.rfind("  ", 0), 0u);
      if (e.find("greenbench") == std::string::npos) ADD_FAILURE() << "not a greenbench line";
      // Each example of a command runs that command (greenbench's own name the top-level ones).
      if (!s.path.empty() && e.rfind("  source <(", 0) != 0) {
        EXPECT_EQ(e.rfind("  " + command_title(s.path) + " ", 0), 0u);
      }
      if (e.rfind("  source <(", 0) == 0) continue;  // `source <(greenbench completion bash)`
      EXPECT_NO_THROW(example_parse(e));
      // Grid files the examples name exist in the repository.
      std::istringstream ws(e);
      for (std::string w; ws >> w;) {
        if (w.rfind("configs/", 0) == 0) {
          EXPECT_TRUE(std::filesystem::exists(std::string(GREENBENCH_SOURCE_DIR) + "/" + w)) << w;
        }
      }
    }
  }
}

TEST(CliHelp, ExampleParsingRefusesWhatGreenbenchRefuses) {
  // The check above can fail: a flag that does not exist, or a missing required value, throws.
  EXPECT_THROW(example_parse("greenbench run configs/quick.yaml --dryrun"), CLI::ParseError);
  EXPECT_THROW(example_parse("greenbench report results/quick"), CLI::ParseError);
  EXPECT_THROW(example_parse("greenbench rn configs/quick.yaml"), CLI::ParseError);
}

TEST(CliHelp, OutputPathsTakeDashO) {
  // -o wherever a command writes a file or folder it is told to (docs/commands.md).
  const auto specs = specs_now();
  for (const char* path : {"run", "profile", "meter", "analyze", "report", "merge", "estimate fit",
                           "completion bash", "submit"}) {
    const CommandSpec* spec = nullptr;
    for (const auto& s : specs)
      if (s.path == path) spec = &s;
    ASSERT_NE(spec, nullptr) << path;
    bool found = false;
    for (const auto& f : spec->flags)
      if (f.names.size() >= 2 && f.names[0] == "-o" && f.names[1] == "--out") found = true;
    EXPECT_TRUE(found) << path << " has no -o,--out";
  }
}

std::string man_text() {
  const CliResult r = cli_run({"manpage"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

TEST(CliMan, HasEveryCommandAndFlag) {
  const std::string page = man_text();
  ASSERT_EQ(page.rfind(".\\\"", 0), 0u);
  EXPECT_NE(page.find(".TH GREENBENCH 1"), std::string::npos);
  for (const char* section : {".SH NAME", ".SH SYNOPSIS", ".SH COMMANDS", ".SH EXIT STATUS"})
    EXPECT_NE(page.find(section), std::string::npos) << section;
  for (const auto& s : specs_now()) {
    if (s.path.empty()) continue;
    const std::string header = ".SS \"" + command_title(s.path) + "\"";
    if (s.hidden) {
      EXPECT_EQ(page.find(header), std::string::npos) << header;
      continue;
    }
    const size_t at = page.find(header);
    ASSERT_NE(at, std::string::npos) << header;
    const size_t end = page.find(".SS ", at + 1);
    const std::string section = page.substr(at, end == std::string::npos ? end : end - at);
    for (const auto& f : s.flags)
      for (const auto& n : f.names) {
        std::string roff;
        for (char c : n) roff += c == '-' ? std::string("\\-") : std::string(1, c);
        EXPECT_NE(section.find("\\fB" + roff + "\\fR"), std::string::npos) << header << " " << n;
      }
    EXPECT_NE(section.find("Examples:"), std::string::npos) << header;
  }
}

TEST(CliMan, TheBuildWritesThePageAndTheCompletion) {
  // The build's copies (installed by cmake/cli_install.cmake) are what the binary writes now.
  const std::string share = std::filesystem::path(GREENBENCH_BIN).parent_path().string() + "/share";
  EXPECT_EQ(testing::slurp(share + "/man/man1/greenbench.1"), man_text());
  const CliResult c = cli_run({"completion", "bash"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(testing::slurp(share + "/bash-completion/completions/greenbench"), c.out);
}

// Runs a shell command line; returns its stdout, and its exit status in `status`.
std::string shell(const std::string& command, int& status) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  status = pclose(p);
  return out;
}

TEST(CliMan, RendersWithManWithoutWarnings) {
  int status = -1;
  shell("command -v man >/dev/null 2>&1", status);
  if (status != 0) GTEST_SKIP() << "man is not installed (scripts/setup installs man-db)";
  testing::TempFolder dir("greenbench-man");
  const std::string page = dir.write("greenbench.1", man_text());
  const std::string text = shell(
      "LC_ALL=C MANWIDTH=100 MANPAGER=cat man --warnings -l " + page + " 2>" + dir.dir + "/err",
      status);
  EXPECT_EQ(status, 0);
  EXPECT_EQ(testing::slurp(dir.dir + "/err"), "");  // groff warnings: bad roff
  for (const auto& s : specs_now()) {
    if (!s.hidden && !s.path.empty()) {
      EXPECT_NE(text.find(command_title(s.path)), std::string::npos) << s.path;
    }
  }
  for (const char* words : {"EXIT STATUS", "greenbench run configs/quick.yaml", "--dry-run"})
    EXPECT_NE(text.find(words), std::string::npos) << words << "\n" << text.substr(0, 2000);
}

}  // namespace
}  // namespace greenbench
