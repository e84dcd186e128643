// Numeric flag checks (see cli_checks.hpp): strtod over the whole text, then finite, integer
// when asked, and in range. CLI11 reports a failure as "--flag: what" and exit 2 (cli.cpp).
#include "cli_checks.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdlib>

#include "set_args.hpp"

namespace greenbench {

std::string number_check(const std::string& text, double lo, double hi, bool integer,
                         bool lo_open) {
  const std::string expected =
      lo_open ? fmt::format("expected {} above {:g} and at most {:g}",
                            integer ? "an integer" : "a finite number", lo, hi)
              : fmt::format("expected {} from {:g} to {:g}",
                            integer ? "an integer" : "a finite number", lo, hi);
  char* end = nullptr;
  const double v = text.empty() ? NAN : std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size())
    return fmt::format("{}, got '{}'", expected, arg_quoted_short(text));
  if (!std::isfinite(v) || (integer && v != std::floor(v)) || v < lo || v > hi ||
      (lo_open && v == lo))
    return fmt::format("{}, got {}", expected, arg_quoted_short(text));
  return "";
}

CLI::Validator number_in(double lo, double hi, bool integer, bool lo_open) {
  return CLI::Validator(
      [=](std::string& text) { return number_check(text, lo, hi, integer, lo_open); },
      fmt::format("{}{}{:g}..{:g}]", integer ? "INT " : "", lo_open ? "(" : "[", lo, hi));
}

}  // namespace greenbench
