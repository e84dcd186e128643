// Test helpers reading files whole: see files.hpp.
#include "files.hpp"

#include <fstream>
#include <sstream>

namespace greenbench::testing {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> lines_of(const std::string& path) {
  std::istringstream in(slurp(path));
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::vector<nlohmann::json> jsonl_of(const std::string& path) {
  std::vector<nlohmann::json> out;
  for (const auto& l : lines_of(path)) out.push_back(nlohmann::json::parse(l));
  return out;
}

}  // namespace greenbench::testing
