// Test helpers: a file's bytes, its lines, its JSON lines (runs.jsonl). A missing file reads as
// empty.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace greenbench::testing {

std::string slurp(const std::string& path);
std::vector<std::string> lines_of(const std::string& path);
std::vector<nlohmann::json> jsonl_of(const std::string& path);  // one object per line

}  // namespace greenbench::testing
