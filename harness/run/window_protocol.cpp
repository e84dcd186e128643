// The window protocol's lines (docs/windows.md), parsed and turned into meter windows as they
// arrive. Not the process that writes them (child_windows.cpp).
#include "window_protocol.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "utf8.hpp"

namespace greenbench {
namespace {

const char* const kExpected = "expected `begin NAME` or `end NAME [key=value]...`";

bool name_valid(const std::string& s) {
  if (s.empty() || s.size() > 200) return false;
  for (unsigned char ch : s)
    if (!std::isalnum(ch) && ch != '_' && ch != '-' && ch != '.' && ch != ':' && ch != '/')
      return false;
  return true;
}

bool key_valid(const std::string& s) {
  if (s.empty() || s.size() > 100 || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (unsigned char ch : s)
    if (!std::isalnum(ch) && ch != '_' && ch != '-' && ch != '.') return false;
  return true;
}

// UTF-8 without control characters: what a JSON value and a CSV cell can hold as given.
bool value_valid(const std::string& s) {
  if (s.empty() || utf8_invalid_at(s) != std::string::npos) return false;
  for (unsigned char ch : s)
    if (ch < 0x20 || ch == 0x7f) return false;
  return true;
}

// A line as it may be shown: control and non-ASCII bytes as \xNN, at most 200 bytes.
std::string line_shown(const std::string& text) {
  std::string out;
  for (unsigned char ch : text.substr(0, 200))
    out += (ch < 0x20 || ch >= 0x7f) ? fmt::format("\\x{:02X}", ch) : std::string(1, char(ch));
  return text.size() > 200 ? out + "..." : out;
}

std::vector<std::string> words_of(const std::string& line) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

}  // namespace

std::optional<WindowLine> window_line_parse(const std::string& raw, std::string& error) {
  const std::string line = !raw.empty() && raw.back() == '\r' ? raw.substr(0, raw.size() - 1) : raw;
  const std::vector<std::string> words = words_of(line);
  if (words.empty()) {
    error = std::string("an empty line; ") + kExpected;
    return std::nullopt;
  }
  WindowLine out;
  if (words[0] != "begin" && words[0] != "end") {
    error = fmt::format("unknown verb '{}'; {}", line_shown(words[0]), kExpected);
    return std::nullopt;
  }
  out.begin = words[0] == "begin";
  if (words.size() < 2) {
    error = fmt::format("{} without a window name; {}", words[0], kExpected);
    return std::nullopt;
  }
  if (!name_valid(words[1])) {
    error = fmt::format(
        "window name '{}': expected 1 to 200 letters, digits, '_', '-', '.', ':' or '/'",
        line_shown(words[1]));
    return std::nullopt;
  }
  out.name = words[1];
  if (out.begin && words.size() > 2) {
    error =
        fmt::format("begin takes only a name (key=value pairs go on the end line); {}", kExpected);
    return std::nullopt;
  }
  for (size_t i = 2; i < words.size(); ++i) {
    const size_t eq = words[i].find('=');
    const std::string key = words[i].substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : words[i].substr(eq + 1);
    if (eq == std::string::npos || !key_valid(key) || !value_valid(value)) {
      error = fmt::format(
          "'{}': expected key=value (a key of letters, digits, '_', '-', '.'; a value without "
          "spaces)",
          line_shown(words[i]));
      return std::nullopt;
    }
    for (const auto& [k, v] : out.values)
      if (k == key) {
        error = fmt::format("key '{}' given twice", key);
        return std::nullopt;
      }
    out.values.emplace_back(key, value);
  }
  return out;
}

nlohmann::json window_value_json(const std::string& text) {
  if (text.empty() || text.size() > 64) return text;
  const char* begin = text.c_str();
  char* end = nullptr;
  const double x = std::strtod(begin, &end);
  const bool numeric = end == begin + text.size() && std::isfinite(x) &&
                       text.find_first_of("xXpP") == std::string::npos &&
                       !std::isalpha(static_cast<unsigned char>(text[0]));
  if (!numeric) return text;
  const bool integral = text.find_first_of(".eE") == std::string::npos;
  if (integral && std::fabs(x) < 9e15) return static_cast<int64_t>(x);
  return x;
}

WindowRecorder::WindowRecorder(Meter& meter, double origin_s)
    : meter_(meter), origin_s_(origin_s) {}

WindowRecorder::~WindowRecorder() {
  for (const auto& o : open_) try {
      (void)meter_.end(o.meter_name);
    } catch (...) {
    }
}

void WindowRecorder::feed(const char* data, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == '\n') {
      ++line_no_;
      if (partial_too_long_)
        problem(fmt::format("line {}: '{}': longer than {} bytes; {}", line_no_,
                            line_shown(partial_), kWindowLineMaxBytes, kExpected));
      else
        line(partial_);
      partial_.clear();
      partial_too_long_ = false;
    } else if (partial_.size() < kWindowLineMaxBytes) {
      partial_ += data[i];
    } else {
      partial_too_long_ = true;
    }
  }
}

void WindowRecorder::finish() {
  if (!partial_.empty() || partial_too_long_) feed("\n", 1);
  for (const auto& o : open_) {
    (void)meter_.end(o.meter_name);
    problem(
        fmt::format("line {}: window '{}' began but never ended (not reported)", o.line, o.name));
  }
  open_.clear();
  if (dropped_windows_ > 0)
    problem(
        fmt::format("{} windows after the first {} were not kept", dropped_windows_, kWindowsMax));
}

void WindowRecorder::line(const std::string& text) {
  std::string error;
  const auto parsed = window_line_parse(text, error);
  if (!parsed) {
    problem(fmt::format("line {}: '{}': {}", line_no_, line_shown(text), error));
    return;
  }
  if (parsed->begin) {
    const std::string meter_name = fmt::format("__window/{}/{}", ++serial_, parsed->name);
    meter_.begin(meter_name);
    open_.push_back({parsed->name, meter_name, line_no_});
    return;
  }
  auto it = open_.rbegin();
  while (it != open_.rend() && it->name != parsed->name) ++it;
  if (it == open_.rend()) {
    problem(fmt::format("line {}: '{}': no open window named '{}'", line_no_, line_shown(text),
                        parsed->name));
    return;
  }
  MarkedWindow w;
  w.energy = meter_.end(it->meter_name);
  w.name = parsed->name;
  w.energy.name = parsed->name;
  w.values = parsed->values;
  w.start_s = w.energy.start_s - origin_s_;
  open_.erase(std::next(it).base());
  if (windows_.size() < kWindowsMax)
    windows_.push_back(std::move(w));
  else
    ++dropped_windows_;
}

void WindowRecorder::problem(const std::string& text) {
  ++problems_total_;
  if (problems_.size() < kWindowProblemsMax) problems_.push_back(text);
  if (on_problem) on_problem(text);
}

nlohmann::json window_json(const MarkedWindow& w) {
  nlohmann::json values = nlohmann::json::object();
  for (const auto& [k, v] : w.values) values[k] = window_value_json(v);
  const EnergyWindow& e = w.energy;
  return {{"name", w.name},
          {"start_s", w.start_s},
          {"duration_s", e.duration_s},
          {"energy_j", e.energy_j},
          {"estimated", e.estimated},
          {"energy_model_j",
           std::isfinite(e.model_j) ? nlohmann::json(e.model_j) : nlohmann::json(nullptr)},
          {"gap_s", e.gap_s},
          {"values", values}};
}

}  // namespace greenbench
