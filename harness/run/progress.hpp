// Internal: progress of a grid on stderr. On a terminal, one bar redrawn in place (runs done of
// total, energy so far, ETA, the run in flight), refreshed every second; otherwise one plain
// line per finished run; -q keeps only runs that did not end ok, -v adds a line as each run
// starts (verbosity.hpp). Not the results (the writer) and not timing estimates (eta.hpp).
#pragma once

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "greenbench/results.hpp"
#include "runner.hpp"

namespace greenbench {

class Progress {
 public:
  // `plans` in the order they will run; their expected_s (0 = unknown) weight the ETA.
  // tty: draw a bar (and refresh it from a thread); else plain lines. `out` is not closed.
  Progress(const std::vector<const RunPlan*>& plans, bool tty, std::FILE* out = stderr,
           int width = 0);
  ~Progress();

  void run_begin(size_t index);
  // `seconds`: wall time of the run, pauses included.
  void run_end(size_t index, const RunRecord& record, double seconds);
  // A message line (kept above the bar on a terminal).
  void note(const std::string& line);
  void finish();
  // "3 of 4 runs done (1 not ok), 812.3 J in 2m 10s": the final line (kept under -q).
  std::string summary_text();

  // The bar as drawn now (without the carriage return), for tests.
  std::string bar_text();
  // Expected seconds left, from expected_s scaled by how fast finished runs went, else the mean.
  double eta_s();

 private:
  std::string bar_locked(double now_s);
  double eta_locked(double now_s) const;
  void draw_locked();
  double now_s() const;

  std::vector<const RunPlan*> plans_;
  bool tty_;
  bool quiet_, verbose_;  // -q, -v (verbosity.hpp), read when constructed
  std::FILE* out_;
  int width_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread ticker_;
  bool stop_ = false;
  size_t done_ = 0, not_ok_ = 0;
  long current_ = -1;  // index of the run in flight
  double run_started_s_ = 0, done_actual_s_ = 0, done_expected_s_ = 0, energy_j_ = 0;
  double start_s_;
};

}  // namespace greenbench
