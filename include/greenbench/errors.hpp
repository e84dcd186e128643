// Errors that map to exit codes (docs/commands.md): InputError is bad usage, configuration or
// input, found before work starts (exit 2); anything else thrown while working is a failure (exit
// 1).
#pragma once

#include <stdexcept>
#include <string>

namespace greenbench {

// Bad input: what was wrong, where (file, and line:column when known, 1-based), what to do.
struct InputError : std::runtime_error {
  InputError(std::string what_wrong, std::string file = "", int line = 0, int column = 0,
             std::string fix = "")
      : std::runtime_error(format(what_wrong, file, line, column, fix)),
        file(std::move(file)),
        line(line),
        column(column),
        fix(std::move(fix)) {}
  std::string file;
  int line, column;
  std::string fix;

  // "file:line:column: what_wrong; fix" with the parts that are known.
  static std::string format(const std::string& what_wrong, const std::string& file, int line,
                            int column, const std::string& fix) {
    std::string s;
    if (!file.empty()) {
      s += file;
      if (line > 0) {  // appended piece by piece: GCC 12 warns falsely on + (bug 105651)
        s += ':';
        s += std::to_string(line);
        if (column > 0) {
          s += ':';
          s += std::to_string(column);
        }
      }
      s += ": ";
    }
    s += what_wrong;
    if (!fix.empty()) {
      s += "; ";
      s += fix;
    }
    return s;
  }
};

}  // namespace greenbench
