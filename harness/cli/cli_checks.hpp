// Internal: checks shared by every command's numeric flags (README.md, "Exit codes"): a flag's
// value must be a finite number in its range, or the command is exit 2 naming the flag before
// any work. NaN and infinities, which strtod and CLI11 accept, are refused.
#pragma once

#include <string>

namespace CLI {
class Validator;
}

namespace greenbench {

// A CLI11 check: a finite number from `lo` to `hi` (an integer when `integer`); `lo_open`
// excludes `lo` itself ("a positive number").
CLI::Validator number_in(double lo, double hi, bool integer = false, bool lo_open = false);

// The text of a number_in check for `text`: "" when it passes, else what is wrong.
std::string number_check(const std::string& text, double lo, double hi, bool integer, bool lo_open);

}  // namespace greenbench
