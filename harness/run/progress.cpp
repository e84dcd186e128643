// Grid progress on stderr: a bar on a terminal, plain lines otherwise. See progress.hpp.
#include "progress.hpp"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "eta.hpp"
#include "verbosity.hpp"

namespace greenbench {

namespace {

std::string energy_text(double j) {
  if (!std::isfinite(j)) return "? J";
  if (j >= 3.6e6) return fmt::format("{:.2f} kWh", j / 3.6e6);
  if (j >= 1e4) return fmt::format("{:.1f} kJ", j / 1e3);
  return fmt::format("{:.1f} J", j);
}

}  // namespace

Progress::Progress(const std::vector<const RunPlan*>& plans, bool tty, std::FILE* out, int width)
    : plans_(plans),
      tty_(tty && !output_quiet()),  // quiet: no bar, only the runs that did not end ok
      quiet_(output_quiet()),
      verbose_(output_verbose()),
      out_(out),
      width_(width),
      start_s_(now_s()) {
  if (width_ <= 0) {
    struct winsize ws {};
    width_ =
        (tty_ && ioctl(fileno(out_), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) ? ws.ws_col : 100;
  }
  if (tty_ && !plans_.empty())
    ticker_ = std::thread([this] {
      std::unique_lock<std::mutex> lock(mu_);
      while (!stop_) {
        cv_.wait_for(lock, std::chrono::seconds(1));
        if (!stop_) draw_locked();
      }
    });
}

Progress::~Progress() {
  finish();
}

double Progress::now_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void Progress::run_begin(size_t index) {
  std::lock_guard<std::mutex> lock(mu_);
  current_ = static_cast<long>(index);
  run_started_s_ = now_s();
  if (verbose_ && index < plans_.size()) {
    const RunPlan& p = *plans_[index];
    std::fprintf(out_, "%s[%zu/%zu] %s %s: starting (expected %s)\n", tty_ ? "\r\033[K" : "",
                 index + 1, plans_.size(), p.run_id.c_str(),
                 (p.label.empty() ? p.workload : p.label).c_str(),
                 p.expected_s > 0 ? duration_text(p.expected_s).c_str() : "?");
  }
  if (tty_) draw_locked();
  std::fflush(out_);
}

void Progress::run_end(size_t index, const RunRecord& rec, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++done_;
  current_ = -1;
  done_actual_s_ += seconds;
  done_expected_s_ += index < plans_.size() ? plans_[index]->expected_s : 0;
  if (std::isfinite(rec.energy_j)) energy_j_ += rec.energy_j;
  if (rec.status != "ok") ++not_ok_;
  const RunPlan& p = *plans_.at(index);
  const std::string line = fmt::format(
      "[{}/{}] {} {} {}: {} (train {:.1f} J, infer {:.1f} J) in {:.1f} s, test accuracy {:.4f}, "
      "energy so far {}{}",
      done_, plans_.size(), p.run_id, p.label.empty() ? p.workload : p.label, rec.status,
      energy_text(rec.energy_j), rec.energy_train_j, rec.energy_infer_j, rec.train_s + rec.infer_s,
      rec.test_accuracy, energy_text(energy_j_), rec.estimated ? " [estimated]" : "");
  if (tty_) {
    // Keep failures and the like above the bar; ok runs only move the bar (unless verbose).
    if (rec.status != "ok" || verbose_) std::fprintf(out_, "\r\033[K%s\n", line.c_str());
    draw_locked();
  } else if (rec.status != "ok" || !quiet_) {
    std::fprintf(out_, "%s\n", line.c_str());
  }
  if (!rec.error.empty())
    std::fprintf(out_, "%s  error: %s\n", tty_ ? "\r\033[K" : "", rec.error.c_str());
  std::fflush(out_);
}

std::string Progress::summary_text() {
  std::lock_guard<std::mutex> lock(mu_);
  return fmt::format("{} of {} runs done{}, {} in {}", done_, plans_.size(),
                     not_ok_ ? fmt::format(" ({} not ok)", not_ok_) : "", energy_text(energy_j_),
                     duration_text(now_s() - start_s_));
}

void Progress::note(const std::string& line) {
  std::lock_guard<std::mutex> lock(mu_);
  std::fprintf(out_, "%s%s\n", tty_ ? "\r\033[K" : "", line.c_str());
  if (tty_) draw_locked();
  std::fflush(out_);
}

void Progress::finish() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return;
    stop_ = true;
    if (tty_ && !plans_.empty()) {
      draw_locked();
      std::fprintf(out_, "\n");
      std::fflush(out_);
    }
  }
  cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

std::string Progress::bar_text() {
  std::lock_guard<std::mutex> lock(mu_);
  return bar_locked(now_s());
}

double Progress::eta_s() {
  std::lock_guard<std::mutex> lock(mu_);
  return eta_locked(now_s());
}

double Progress::eta_locked(double now) const {
  const size_t total = plans_.size();
  if (done_ >= total) return 0;
  double left_expected = 0;
  bool all_known = true;
  for (size_t i = done_; i < total; ++i) {
    left_expected += plans_[i]->expected_s;
    all_known &= plans_[i]->expected_s > 0;
  }
  const double in_flight = current_ >= 0 ? now - run_started_s_ : 0;
  double eta;
  if (all_known) {
    // Scale the plan by how the finished runs compared with theirs (within 0.2x .. 5x).
    const double scale =
        done_expected_s_ > 0 ? std::clamp(done_actual_s_ / done_expected_s_, 0.2, 5.0) : 1.0;
    eta = left_expected * scale;
  } else if (done_ > 0) {
    eta = done_actual_s_ / double(done_) * double(total - done_);
  } else {
    return NAN;
  }
  return std::max(0.0, eta - in_flight);
}

std::string Progress::bar_locked(double now) {
  const size_t total = plans_.size();
  constexpr int kBar = 24;
  const int filled = total ? static_cast<int>(kBar * done_ / total) : kBar;
  const std::string bar =
      fmt::format("[{}{}]", std::string(filled, '#'), std::string(kBar - filled, '-'));
  const double eta = eta_locked(now);
  std::string s = fmt::format("{} {}/{} runs  {} so far  ETA {}  elapsed {}", bar, done_, total,
                              energy_text(energy_j_), std::isfinite(eta) ? duration_text(eta) : "?",
                              duration_text(now - start_s_));
  if (current_ >= 0 && static_cast<size_t>(current_) < total) {
    const RunPlan& p = *plans_[current_];
    s += "  now: " + (p.label.empty() ? p.workload : p.label);
  }
  if (static_cast<int>(s.size()) > width_ - 1) {
    s.resize(static_cast<size_t>(std::max(0, width_ - 4)));
    s.append("...");
  }
  return s;
}

void Progress::draw_locked() {
  std::fprintf(out_, "\r\033[K%s", bar_locked(now_s()).c_str());
  std::fflush(out_);
}

}  // namespace greenbench
