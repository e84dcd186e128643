// The window protocol (docs/windows.md): the lines a metered program writes to
// $GREENBENCH_WINDOWS_FD — `begin NAME`, `end NAME [key=value]...` — parsed, and turned into
// meter windows the moment each line arrives. Not the process that writes them
// (child_windows.hpp) and not what a grid makes of them (command_workload.hpp).
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "greenbench/meter.hpp"

namespace greenbench {

// The environment variable that names the descriptor (docs/windows.md).
inline constexpr const char* kWindowsFdEnv = "GREENBENCH_WINDOWS_FD";
// Limits: a longer line is a bad line; windows past the cap are counted, not kept.
inline constexpr size_t kWindowLineMaxBytes = 4096;
inline constexpr size_t kWindowsMax = 100000;
inline constexpr size_t kWindowProblemsMax = 100;

// One parsed line. Values keep their text; window_value_json turns numbers into numbers.
struct WindowLine {
  bool begin = true;  // `begin NAME`; false: `end NAME [key=value]...`
  std::string name;
  std::vector<std::pair<std::string, std::string>> values;  // in the order given; end only
};

// Parses one line (without its newline; a trailing '\r' is ignored). Returns nullopt and sets
// `error` ("unknown verb 'bgin'; expected ...") for a line that breaks the protocol.
std::optional<WindowLine> window_line_parse(const std::string& line, std::string& error);
// A value as JSON: a finite decimal number ("3", "0.31", "1e-3") as a number, else the text.
nlohmann::json window_value_json(const std::string& text);

// A window the program marked, with the meter's figures over it.
struct MarkedWindow {
  std::string name;
  EnergyWindow energy;  // energy.start_s: seconds since the meter started
  std::vector<std::pair<std::string, std::string>> values;
  double start_s = 0;  // seconds since the program started
};

// Turns protocol lines into meter windows: `begin` opens one at once (Meter::begin), `end`
// closes the innermost open window of that name (Meter::end). Windows may nest and overlap;
// each has a meter window of its own. A bad line is recorded in problems() with its text and
// line number, and the program goes on.
class WindowRecorder {
 public:
  // `origin_s`: the meter time the program started (MarkedWindow::start_s counts from it).
  WindowRecorder(Meter& meter, double origin_s);
  ~WindowRecorder();
  WindowRecorder(const WindowRecorder&) = delete;
  WindowRecorder& operator=(const WindowRecorder&) = delete;

  // Bytes as read from the descriptor; every complete line is acted on before this returns.
  void feed(const char* data, size_t size);
  // The program has ended: a last line without its newline is taken as a line, windows still
  // open are closed in the meter and reported as problems (never as windows).
  void finish();

  const std::vector<MarkedWindow>& windows() const { return windows_; }   // in the order ended
  const std::vector<std::string>& problems() const { return problems_; }  // first 100
  size_t problems_total() const { return problems_total_; }
  // Called with each problem's text as it is found (stderr for `meter`); may be empty.
  std::function<void(const std::string&)> on_problem;

 private:
  struct Open {
    std::string name, meter_name;
    int line = 0;
  };
  void line(const std::string& text);
  void problem(const std::string& text);
  Meter& meter_;
  double origin_s_;
  std::string partial_;
  bool partial_too_long_ = false;
  int line_no_ = 0;
  long serial_ = 0;
  std::vector<Open> open_;
  std::vector<MarkedWindow> windows_;
  size_t dropped_windows_ = 0;
  std::vector<std::string> problems_;
  size_t problems_total_ = 0;
};

// The windows as `meter --json` and a run's logs/<run_id>.windows.jsonl give them
// (docs/windows.md): name, start_s, duration_s, energy_j (per domain and total), estimated,
// energy_model_j, gap_s, values.
nlohmann::json window_json(const MarkedWindow& w);

}  // namespace greenbench
