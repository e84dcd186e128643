// Plain-text tables for the terminal: a header, rows of cells, columns padded to fit; cells
// that look numeric are right-aligned. Not the analysis itself.
#pragma once

#include <string>
#include <vector>

namespace greenbench::analysis {

std::string table_format(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows);

// A number for a table: 4 significant digits, "-" for NaN.
std::string cell_number(double v);
// A fraction as a percentage with one decimal ("12.3%"), "-" for NaN.
std::string cell_percent(double fraction);

}  // namespace greenbench::analysis
