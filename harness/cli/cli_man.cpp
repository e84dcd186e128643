// The man page (see cli_man.hpp): NAME, SYNOPSIS and COMMANDS from the command table; the
// sections that do not change with the flags (exit status, environment, files) are here, in the
// words of docs/commands.md and README.md.
#include "cli_man.hpp"

#include <fmt/format.h>

namespace greenbench {
namespace {

// Text for roff: backslashes and dashes escaped, no line starting with a control character.
std::string roff(const std::string& text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\')
      out += "\\e";
    else if (c == '-')
      out += "\\-";
    else
      out += c;
    line_start = c == '\n';
  }
  return out;
}

std::string synopsis_of(const CommandSpec& s) {
  std::string line = fmt::format(".B {}\n", roff(command_title(s.path)));
  if (!s.subcommands.empty() && s.positionals.empty()) return line + ".I command\n[...]\n.br\n";
  line += "[\\fIoptions\\fR]";
  for (const auto& p : s.positionals) {
    const std::string arg = fmt::format("\\fI{}\\fR{}", roff(p.value_name), p.many ? "..." : "");
    line += p.required ? " " + arg : " [" + arg + "]";
  }
  return line + "\n.br\n";
}

std::string flag_item(const ArgSpec& f) {
  std::string names;
  for (const auto& n : f.names)
    names += (names.empty() ? "" : ", ") + fmt::format("\\fB{}\\fR", roff(n));
  if (!f.value_name.empty())
    names += fmt::format(" \\fI{}\\fR{}", roff(f.value_name), f.many ? "..." : "");
  return fmt::format(".TP\n{}\n{}\n", names, roff(f.description.empty() ? "-" : f.description));
}

std::string command_section(const CommandSpec& s) {
  std::string out =
      fmt::format(".SS \"{}\"\n{}\n", roff(command_title(s.path)), roff(s.description));
  if (!s.subcommands.empty()) {
    out += ".PP\nCommands:";
    for (const auto& sub : s.subcommands) out += fmt::format(" \\fB{}\\fR", roff(sub));
    out += "\n";
  }
  for (const auto& p : s.positionals)
    out += fmt::format(".TP\n\\fI{}\\fR{}\n{}\n", roff(p.value_name), p.many ? "..." : "",
                       roff(p.description.empty() ? "-" : p.description));
  for (const auto& f : s.flags) out += flag_item(f);
  if (!s.examples.empty()) {
    out += ".PP\nExamples:\n.PP\n.RS 4\n.nf\n";
    for (const auto& e : s.examples) out += roff(e) + "\n";
    out += ".fi\n.RE\n";
  }
  return out;
}

constexpr const char* kDescription = R"(.SH DESCRIPTION
greenbench measures what machine learning costs in joules. It trains and evaluates workloads
(MLP, CNN, transformers on OpenBLAS) from grid files while an energy meter reads RAPL, the perf
power PMU, MSRs or NVML, or a power model labelled as an estimate where no counter is readable;
it writes results folders, and analyses, reports, profiles and predicts from them.
.PP
Every command has \fB\-\-help\fR, which ends with examples. \fB\-q\fR says only errors,
warnings and the final result; \fB\-v\fR says more about progress. A mistyped command, flag or
choice is exit 2 and names the nearest known one.
)";

constexpr const char* kFixedSections = R"(.SH EXIT STATUS
.TP
.B 0
success
.TP
.B 1
a failure while working: a run crashed or its energy could not be measured (failed, no_energy rows), a disk filled, an output could not be written
.TP
.B 2
bad usage, configuration or input, reported before any work starts: the file, line and column where there is one, the key, what was expected, and what to do; a mistyped command or flag names the nearest one. Nothing already written is changed.
.TP
.B 128+N
\fBrun\fR stopped by signal N (SIGINT 130, SIGTERM 143, SIGHUP 129) after writing interrupted rows; \fB\-\-resume\fR completes the folder
.PP
\fBgreenbench meter \-\- \fICMD\fR exits with \fICMD\fR's own exit code.
.SH ENVIRONMENT
.TP
.B OPENBLAS_CORETYPE, GREENBENCH_BLAS_CORE
which OpenBLAS kernels run (best, keep); see docs/workloads.md, "BLAS kernels"
.TP
.B GREENBENCH_SYSFS_ROOT, GREENBENCH_PROC_ROOT, GREENBENCH_DEV_ROOT, GREENBENCH_NVML_LIBRARY
where the meter reads its counters (/sys, /proc, /dev, libnvidia\-ml.so.1)
.TP
.B GREENBENCH_TDP_W, GREENBENCH_PACKAGE_THREADS, GREENBENCH_IDLE_FRACTION, GREENBENCH_DRAM_W_PER_GIB
the estimate power model's parameters (docs/meter.md)
.TP
.B GREENBENCH_CHARTJS
the Chart.js file that \fBreport\fR inlines
.SH FILES
.TP
.I results/NAME/
what \fBrun\fR writes: runs.csv, runs.jsonl, epochs.csv, traces/, meta.json (results/README.md)
.TP
.I configs/*.yaml
grid files (docs/grids.md)
.SH SEE ALSO
The contract, in the source tree: docs/commands.md (commands, exit codes, JSON outputs),
docs/grids.md, docs/workloads.md, docs/meter.md, results/README.md.
Bash completion: \fBsource <(greenbench completion bash)\fR.
)";

}  // namespace

std::string man_page(const std::vector<CommandSpec>& specs, const std::string& version) {
  const CommandSpec& root = specs.front();
  std::string out = fmt::format(
      ".\\\" greenbench(1), written by `greenbench manpage` from its own commands and flags.\n"
      ".TH GREENBENCH 1 \"\" \"greenbench {}\" \"User Commands\"\n"
      ".SH NAME\ngreenbench \\- {}\n.SH SYNOPSIS\n",
      roff(version), roff(root.description.substr(root.description.find(": ") + 2)));
  for (const auto& s : specs)
    if (!s.hidden && !s.path.empty() && (s.subcommands.empty() || !s.positionals.empty()))
      out += synopsis_of(s);
  out += kDescription;
  for (const auto& f : root.flags) out += flag_item(f);
  if (!root.examples.empty()) {
    out += ".PP\nA first session:\n.PP\n.RS 4\n.nf\n";
    for (const auto& e : root.examples) out += roff(e) + "\n";
    out += ".fi\n.RE\n";
  }
  out += ".SH COMMANDS\n";
  for (const auto& s : specs)
    if (!s.hidden && !s.path.empty()) out += command_section(s);
  return out + kFixedSections;
}

}  // namespace greenbench
