// Internal: one line of a results CSV (runs.csv, epochs.csv) split into cells and joined back,
// with the quoting the results writer uses (RFC 4180; the writer never puts a newline in a
// cell, so one row is one line). Not the reading of whole folders (results_read.cpp).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace greenbench {

// Splits one line (without its '\n') into cells. A quoted cell ends at a lone '"'; '""' inside
// it is one '"'. Returns false, with *bad_column (1-based byte) set, when a quoted cell is not
// closed or text follows its closing quote. Unquoted cells are taken as they are.
bool csv_split(std::string_view line, std::vector<std::string>* cells, int* bad_column);

// Joins cells into one line (without '\n'), quoting a cell that holds ',', '"', '\n' or '\r',
// so that csv_split gives the same cells back (for cells without '\n').
std::string csv_join(const std::vector<std::string>& cells);

// A JSON value as the results writer writes its cell, unquoted: null and non-finite numbers are
// "", strings as they are (newlines become spaces), booleans true/false, floats in the shortest
// form that reads back exactly, lists and objects as JSON (bad UTF-8 replaced, never thrown).
std::string csv_cell_text(const nlohmann::json& value);

// The reverse, for rows that exist only in a runs.csv: "" is null, text that is a JSON value
// (numbers, true/false, lists, objects) is that value, anything else is a string.
nlohmann::json csv_cell_value(const std::string& cell);

}  // namespace greenbench
