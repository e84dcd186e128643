// Plain-text tables (see table.hpp).
#include "table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace greenbench::analysis {
namespace {
bool looks_numeric(const std::string& s) {
  if (s.empty() || s == "-") return true;
  char c = s[0];
  return std::isdigit(static_cast<unsigned char>(c)) ||
         ((c == '-' || c == '+' || c == '.') && s.size() > 1);
}
}  // namespace

std::string table_format(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& r : rows)
    for (size_t c = 0; c < std::min(r.size(), width.size()); ++c)
      width[c] = std::max(width[c], r[c].size());
  auto line = [&](const std::vector<std::string>& cells, bool is_header) {
    std::string out;
    for (size_t c = 0; c < width.size(); ++c) {
      const std::string s = c < cells.size() ? cells[c] : "";
      const bool right = !is_header && c > 0 && looks_numeric(s);
      if (c) out += "  ";
      out += right ? fmt::format("{:>{}}", s, width[c]) : fmt::format("{:<{}}", s, width[c]);
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(header, true);
  size_t total = 0;
  for (size_t w : width) total += w + 2;
  out += std::string(total >= 2 ? total - 2 : 0, '-') + "\n";
  for (const auto& r : rows) out += line(r, false);
  return out;
}

std::string cell_number(double v) {
  if (!std::isfinite(v)) return "-";
  if (v != 0 && (std::fabs(v) >= 1e6 || std::fabs(v) < 1e-3)) return fmt::format("{:.3e}", v);
  return fmt::format("{:.4g}", v);
}

std::string cell_percent(double fraction) {
  if (!std::isfinite(fraction)) return "-";
  return fmt::format("{:.1f}%", 100 * fraction);
}

}  // namespace greenbench::analysis
