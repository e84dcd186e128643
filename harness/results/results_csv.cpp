// CSV cells of the results files: split a line, join cells, and convert cells to and from JSON
// values the way the results writer writes them. Not folder reading or merging.
#include "results_csv.hpp"

#include <fmt/format.h>

#include <cmath>

namespace greenbench {

bool csv_split(std::string_view line, std::vector<std::string>* cells, int* bad_column) {
  cells->clear();
  size_t i = 0;
  while (true) {
    std::string cell;
    if (i < line.size() && line[i] == '"') {
      const size_t open = i++;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] != '"') {
          cell += line[i++];
        } else if (i + 1 < line.size() && line[i + 1] == '"') {
          cell += '"';
          i += 2;
        } else {
          ++i;
          closed = true;
          break;
        }
      }
      if (!closed) {
        *bad_column = static_cast<int>(open) + 1;
        return false;
      }
      if (i < line.size() && line[i] != ',') {
        *bad_column = static_cast<int>(i) + 1;
        return false;
      }
    } else {
      const size_t comma = line.find(',', i);
      const size_t end = comma == std::string_view::npos ? line.size() : comma;
      cell.assign(line.substr(i, end - i));
      i = end;
    }
    cells->push_back(std::move(cell));
    if (i >= line.size()) return true;
    ++i;                     // the comma
    if (i == line.size()) {  // a trailing comma: one more, empty cell
      cells->emplace_back();
      return true;
    }
  }
}

std::string csv_join(const std::vector<std::string>& cells) {
  std::string line;
  for (size_t c = 0; c < cells.size(); ++c) {
    if (c) line += ',';
    const std::string& s = cells[c];
    if (s.find_first_of(",\"\n\r") == std::string::npos) {
      line += s;
      continue;
    }
    line += '"';
    for (char ch : s) line += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    line += '"';
  }
  return line;
}

std::string csv_cell_text(const nlohmann::json& v) {
  std::string s;
  if (v.is_null()) return "";
  if (v.is_string())
    s = v.get<std::string>();
  else if (v.is_boolean())
    s = v.get<bool>() ? "true" : "false";
  else if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!std::isfinite(d)) return "";
    s = fmt::format("{}", d);
  } else
    s = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

nlohmann::json csv_cell_value(const std::string& cell) {
  if (cell.empty()) return nullptr;
  auto j = nlohmann::json::parse(cell, nullptr, false);
  if (j.is_discarded() || j.is_string()) return cell;  // a quoted JSON string stays as written
  return j;
}

}  // namespace greenbench
